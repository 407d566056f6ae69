import { describe, expect, it } from "vitest";
import { searchWords, targetMatches } from "./target-search";

const target = {
  accountId: "210987654321",
  accountName: "payments-prod",
  ouPath: "Root/Workloads/Payments",
  permissionSetName: "PowerUser",
};

describe("targetMatches", () => {
  it.each([
    ["", true],
    ["   ", true],
    ["payments-prod", true],
    ["PAYMENTS", true],
    ["2109876", true],
    ["workloads/payments", true],
    ["poweruser", true],
    ["prod power", true],
    ["power   prod", true],
    ["prod readonly", false],
    ["staging", false],
    // Words never span two fields.
    ["prodpoweruser", false],
    ["payments-prod\npoweruser", true],
  ])("%j → %s", (query, expected) => {
    expect(targetMatches(searchWords(query), target)).toBe(expected);
  });
});
