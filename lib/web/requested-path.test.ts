import { describe, expect, it } from "vitest";
import { requestedPath } from "./requested-path";

describe("requestedPath", () => {
  it.each([
    ["a path", "http://localhost:3000/requests/abc", "/requests/abc"],
    [
      "a path and its query, unchanged",
      "http://localhost:3000/audit?q=caf%C3%A9&sort=oldest",
      "/audit?q=caf%C3%A9&sort=oldest",
    ],
    ["without Next's _rsc cache-buster", "http://localhost:3000/audit?q=x&_rsc=1abcd", "/audit?q=x"],
    ["without a query left empty by _rsc", "http://localhost:3000/approvals?_rsc=1abcd", "/approvals"],
  ])("%s", (_label, url, expected) => {
    expect(requestedPath(new URL(url))).toBe(expected);
  });
});
