import { describe, expect, it } from "vitest";
import { evaluatePolicy, nonWhitespaceBytes, parsePolicy, type PolicyStatement, type RequestContext } from "./policy";

// The evaluator role sessions are judged by: deny wins, conditions AND together, missing keys never match.

const ALICE = "9067c4e1a2-11111111-2222-4333-8444-555555555555";
const BOB = "9067c4e1a2-66666666-7777-4888-9999-000000000000";
const CUTOFF = "2026-11-23T10:15:00Z";

function statements(...list: object[]): PolicyStatement[] {
  const parsed = parsePolicy(JSON.stringify({ Version: "2012-10-17", Statement: list }));
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.statements;
}

function context(overrides: Partial<RequestContext["keys"]> = {}, action = "iam:ListAccountAliases"): RequestContext {
  return {
    action,
    resource: "*",
    keys: {
      "identitystore:UserId": ALICE,
      "aws:TokenIssueTime": "2026-11-23T10:14:59Z",
      "aws:PrincipalAccount": "210987654321",
      ...overrides,
    },
  };
}

const revoke = (userId = ALICE, cutoff = CUTOFF, extra: object = {}) => ({
  Sid: "JitRevoke",
  Effect: "Deny",
  Action: "*",
  Resource: "*",
  Condition: {
    StringEquals: { "identitystore:userId": userId },
    DateLessThan: { "aws:TokenIssueTime": cutoff },
    ...extra,
  },
});

describe("evaluatePolicy", () => {
  it.each([
    { name: "a session issued before the cut-off is denied", policy: [revoke()], keys: {}, effect: "explicit-deny" },
    {
      name: "a session issued at the cut-off is not (strictly less than)",
      policy: [revoke()],
      keys: { "aws:TokenIssueTime": CUTOFF },
      effect: "no-match",
    },
    {
      name: "a session issued after the cut-off is not",
      policy: [revoke()],
      keys: { "aws:TokenIssueTime": "2026-11-23T10:15:01Z" },
      effect: "no-match",
    },
    {
      name: "dates compare to the second: 10:15:00.900 is not before 10:15:00",
      policy: [revoke()],
      keys: { "aws:TokenIssueTime": "2026-11-23T10:15:00.900Z" },
      effect: "no-match",
    },
    {
      name: "another user is not denied",
      policy: [revoke()],
      keys: { "identitystore:UserId": BOB },
      effect: "no-match",
    },
    {
      name: "the user id compares case-sensitively",
      policy: [revoke(ALICE.toUpperCase())],
      keys: {},
      effect: "no-match",
    },
    {
      name: "condition key names are case-insensitive",
      policy: [revoke()],
      keys: { "identitystore:UserId": undefined, "IDENTITYSTORE:USERID": ALICE },
      effect: "explicit-deny",
    },
    {
      name: "a list of user ids ORs",
      policy: [revoke([BOB, ALICE] as unknown as string)],
      keys: {},
      effect: "explicit-deny",
    },
    {
      name: "a request without the key never matches (long-term keys have no TokenIssueTime)",
      policy: [revoke()],
      keys: { "aws:TokenIssueTime": undefined },
      effect: "no-match",
    },
    {
      name: "IfExists matches a missing key",
      policy: [
        {
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { DateLessThanIfExists: { "aws:TokenIssueTime": CUTOFF } },
        },
      ],
      keys: { "aws:TokenIssueTime": undefined },
      effect: "explicit-deny",
    },
    {
      name: "Null true matches a missing key",
      policy: [{ Effect: "Deny", Action: "*", Resource: "*", Condition: { Null: { "aws:TokenIssueTime": "true" } } }],
      keys: { "aws:TokenIssueTime": undefined },
      effect: "explicit-deny",
    },
    {
      name: "epoch seconds are accepted as dates",
      policy: [revoke(ALICE, String(Date.parse(CUTOFF) / 1000))],
      keys: {},
      effect: "explicit-deny",
    },
    {
      name: "aws:PrincipalAccount scopes the deny to one account",
      policy: [
        revoke(ALICE, CUTOFF, {
          StringEquals: { "identitystore:userId": ALICE, "aws:PrincipalAccount": "430219876543" },
        }),
      ],
      keys: {},
      effect: "no-match",
    },
    {
      name: "explicit deny wins over an allow",
      policy: [{ Sid: "Customer", Effect: "Allow", Action: "*", Resource: "*" }, revoke()],
      keys: {},
      effect: "explicit-deny",
    },
    {
      name: "an allow alone allows",
      policy: [{ Sid: "Customer", Effect: "Allow", Action: "iam:List*", Resource: "*" }],
      keys: {},
      effect: "allow",
    },
    {
      name: "actions match case-insensitively with wildcards",
      policy: [{ Effect: "Deny", Action: "IAM:list*", Resource: "*" }],
      keys: {},
      effect: "explicit-deny",
    },
    {
      name: "NotAction excludes the named action",
      policy: [{ Effect: "Deny", NotAction: "iam:ListAccountAliases", Resource: "*" }],
      keys: {},
      effect: "no-match",
    },
    {
      name: "a resource ARN does not match the action's * resource",
      policy: [{ Effect: "Deny", Action: "*", Resource: "arn:aws:s3:::bucket" }],
      keys: {},
      effect: "no-match",
    },
    {
      name: "an operator the simulator does not evaluate in a Deny fails closed",
      policy: [
        { Effect: "Deny", Action: "*", Resource: "*", Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } },
      ],
      keys: { "aws:SourceIp": "10.1.2.3" },
      effect: "unsupported",
    },
    {
      name: "the same operator in an Allow never matches",
      policy: [
        { Effect: "Allow", Action: "*", Resource: "*", Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } },
      ],
      keys: { "aws:SourceIp": "10.1.2.3" },
      effect: "no-match",
    },
  ])("$name", ({ policy, keys, effect }) => {
    expect(evaluatePolicy(statements(...policy), context(keys)).effect).toBe(effect);
  });
});

describe("parsePolicy", () => {
  it("accepts a single statement object and the legacy version", () => {
    const parsed = parsePolicy(
      JSON.stringify({ Version: "2008-10-17", Statement: { Effect: "Deny", Action: "*", Resource: "*" } }),
    );
    expect(parsed.ok).toBe(true);
  });

  it("accepts ForAnyValue and IfExists forms of known operators", () => {
    const parsed = parsePolicy(
      JSON.stringify({
        Statement: {
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: {
            "ForAnyValue:StringLike": { "aws:TagKeys": ["a*"] },
            NumericLessThanIfExists: { "s3:max-keys": 5 },
          },
        },
      }),
    );
    expect(parsed.ok).toBe(true);
  });

  it("counts non-whitespace bytes in UTF-8", () => {
    expect(nonWhitespaceBytes(' { "a" :\n\t"é" } ')).toBe(10);
  });
});
