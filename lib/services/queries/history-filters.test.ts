import { describe, expect, it } from "vitest";
import { HistoryFilters, readHistoryFilters } from "./history-filters";

describe("history filters reject text Postgres or an auditor must not see", () => {
  it.each<[string, Record<string, string>, string]>([
    ["a null byte in the search", { q: "\u0000" }, "q"],
    ["a null byte inside a search word", { q: "pay\u0000ments" }, "q"],
    ["a bidi override in the search", { q: "abc\u202Edef" }, "q"],
    ["a null byte in a requester email", { requester: "alice\u0000@example.com" }, "requester"],
    ["a control character in an approver email", { approver: "bob@exa\u0007mple.com" }, "approver"],
  ])("%s is ignored and named, not run", (_label, params, key) => {
    const { filters, ignored } = readHistoryFilters(params);
    expect(ignored).toEqual([key]);
    expect(filters[key as keyof typeof filters]).toBeUndefined();
  });

  it("still accepts an ordinary search and email", () => {
    expect(readHistoryFilters({ q: "  deploy 50% ", requester: "Alice@Example.com" })).toEqual({
      filters: { q: "deploy 50%", requester: "alice@example.com", sort: "newest" },
      ignored: [],
      rangeProblem: null,
    });
  });

  it("the strict schema (export, API) refuses a null byte with a field error", () => {
    const result = HistoryFilters.safeParse({ q: "\u0000" });
    expect(result.success ? [] : result.error.issues.map((i) => i.path.join("."))).toEqual(["q"]);
  });
});
