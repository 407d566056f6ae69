import { describe, expect, it } from "vitest";
import { closeMatches, didYouMean, editDistance } from "./suggest";

const ACCOUNTS = [
  "Management",
  "payments-prod",
  "payments-staging",
  "data-prod",
  "data-staging",
  "sandbox-alice",
  "sandbox-erin",
  "security-tooling",
  "log-archive",
];
const PERMISSION_SETS = ["ReadOnly", "PowerUser", "AdministratorAccess", "BillingAdmin"];

describe("editDistance", () => {
  it.each([
    ["", "", 0],
    ["abc", "abc", 0],
    ["ABC", "abc", 0],
    ["abc", "acb", 1],
    ["abc", "ab", 1],
    ["abc", "xabc", 1],
    ["kitten", "sitting", 3],
    ["", "abc", 3],
  ])("%j to %j is %i", (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe("closeMatches", () => {
  it.each([
    ["a typo", "paymnets-prod", ACCOUNTS, ["payments-prod"]],
    ["a missing letter", "sandbox-alce", ACCOUNTS, ["sandbox-alice"]],
    ["another case", "PAYMENTS-PROD", ACCOUNTS, ["payments-prod"]],
    ["a part of several names", "payments", ACCOUNTS, ["payments-prod", "payments-staging"]],
    ["a part of one name", "archive", ACCOUNTS, ["log-archive"]],
    ["the prefix of sandbox accounts", "sandbox", ACCOUNTS, ["sandbox-erin", "sandbox-alice"]],
    ["a lower-case permission set", "poweruser", PERMISSION_SETS, ["PowerUser"]],
    ["a swapped pair", "RaedOnly", PERMISSION_SETS, ["ReadOnly"]],
    ["a shortened name", "Admin", PERMISSION_SETS, ["BillingAdmin", "AdministratorAccess"]],
  ])("suggests for %s", (_why, typed, candidates, expected) => {
    expect(closeMatches(typed, candidates)).toEqual(expected);
  });

  it.each([
    ["nothing typed", "", ACCOUNTS],
    ["only blanks", "   ", ACCOUNTS],
    ["something unrelated", "kubernetes", ACCOUNTS],
    ["a short unrelated word", "xy", PERMISSION_SETS],
    ["no candidates", "payments-prod", []],
    ["two letters that happen to appear inside names", "dm", PERMISSION_SETS],
  ])("suggests nothing for %s", (_why, typed, candidates) => {
    expect(closeMatches(typed, candidates)).toEqual([]);
  });

  it("never lists more than three, closest first, and never a name twice", () => {
    const many = ["team-a", "team-b", "team-c", "team-d", "team-a"];
    expect(closeMatches("team-e", many)).toEqual(["team-a", "team-b", "team-c"]);
  });
});

describe("didYouMean", () => {
  it.each([
    ["paymnets-prod", " Did you mean payments-prod?"],
    ["payments", " Did you mean payments-prod or payments-staging?"],
    ["sandbox", " Did you mean sandbox-erin or sandbox-alice?"],
    ["kubernetes", ""],
  ])("%j → %j", (typed, sentence) => {
    expect(didYouMean(typed, ACCOUNTS)).toBe(sentence);
  });
});
