import { describe, expect, it } from "vitest";
import {
  coversAfterDeprovision,
  groupStatement,
  INLINE_POLICY_MAX_NON_WHITESPACE_BYTES,
  isIdentityStoreUserId,
  measure,
  mergeRevocations,
  planInlinePolicy,
  portalStatement,
  readPortalStatements,
  revocationCutoff,
  revocationExpiry,
  revocationSid,
  type InlinePolicyEdit,
  type TrackedRevocation,
} from "./session-revocation";

const now = new Date("2030-01-15T10:00:00.000Z");
const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
const ALICE = "9067668d9d-521fd823-c07c-4ed1-8c8f-c3e223c44a28";
const BOB = "b0b0b0b0-1111-2222-3333-444444444444";
const CAROL = "9067668d9d-c0c0c0c0-1111-2222-3333-444444444444";
const ACCOUNT_A = "111111111111";
const ACCOUNT_B = "222222222222";
const tracked = (
  identityStoreUserId: string,
  cutoffMinutes: number,
  expiresMinutes = cutoffMinutes + 60,
  accountId = ACCOUNT_A,
) => ({
  identityStoreUserId,
  accountId,
  cutoff: at(cutoffMinutes),
  expiresAt: at(expiresMinutes),
});
const statementText = (userId: string, cutoffMinutes: number, accountId: string | null = ACCOUNT_A) =>
  JSON.stringify(portalStatement({ identityStoreUserId: userId, accountId, cutoff: at(cutoffMinutes) }));

const CUSTOMER_A = `{ "Sid" : "ReadLogs",\n  "Effect": "Allow", "Action": ["logs:Get*"], "Resource": "*" }`;
const CUSTOMER_B = `{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600.50}}}`;
const customerPolicy = `{\n  "Version": "2012-10-17",\n  "Statement": [\n    ${CUSTOMER_A},\n    ${CUSTOMER_B}\n  ]\n}`;

function put(edit: InlinePolicyEdit): string {
  if (edit.kind !== "put") throw new Error(`expected a put, got ${JSON.stringify(edit)}`);
  return edit.policy;
}

describe("the statement", () => {
  it("denies everything for the user's sessions in the grant's account issued before the cutoff, with an alphanumeric Sid", () => {
    expect(
      portalStatement({
        identityStoreUserId: ALICE,
        accountId: ACCOUNT_A,
        cutoff: new Date("2026-11-23T10:15:00.000Z"),
      }),
    ).toEqual({
      Sid: "JitPortalRevoke9067668d9dx521fd823xc07cx4ed1x8c8fxc3e223c44a28In111111111111",
      Effect: "Deny",
      Action: "*",
      Resource: "*",
      Condition: {
        StringEquals: { "identitystore:userId": ALICE, "aws:PrincipalAccount": ACCOUNT_A },
        DateLessThan: { "aws:TokenIssueTime": "2026-11-23T10:15:00Z" },
      },
    });
  });

  it.each([
    ["a prefixed id", ALICE, true],
    ["a bare UUID", BOB, true],
    ["upper-case hex", BOB.toUpperCase(), true],
    ["an email", "alice@example.com", false],
    ["an id with a quote (would break out of the JSON)", `${BOB}"`, false],
    ["an id with an x (would collide with the encoding of -)", BOB.replace("-", "x"), false],
    ["an empty id", "", false],
    ["a wildcard", "*", false],
  ])("Identity Store id check: %s", (_name, id, valid) => {
    expect(isIdentityStoreUserId(id)).toBe(valid);
    if (valid) expect(revocationSid(id, ACCOUNT_A)).toMatch(/^JitPortalRevoke[A-Za-z0-9]+$/);
    else expect(() => revocationSid(id, ACCOUNT_A)).toThrow();
  });

  it.each(["", "12345678901", "1234567890123", "11111111111a", "*", '111111111111"'])(
    "refuses an account id that is not twelve digits: %j",
    (accountId) => {
      expect(() => revocationSid(ALICE, accountId)).toThrow();
      expect(planInlinePolicy(null, [tracked(ALICE, 0, 60, accountId)], now).kind).toBe("malformed");
    },
  );

  it("gives different users and accounts different Sids, case included", () => {
    const ids = [ALICE, BOB, BOB.toUpperCase(), CAROL];
    const sids = [ACCOUNT_A, ACCOUNT_B].flatMap((account) => ids.map((id) => revocationSid(id, account)));
    expect(new Set(sids).size).toBe(ids.length * 2);
  });

  it.each([
    ["a whole second", "2030-01-15T10:00:00.000Z", "2030-01-15T10:01:00.000Z"],
    ["milliseconds round up, never down", "2030-01-15T10:00:00.001Z", "2030-01-15T10:01:01.000Z"],
    ["the last millisecond of a second", "2030-01-15T10:00:00.999Z", "2030-01-15T10:01:01.000Z"],
  ])("cutoff is the end plus the skew margin: %s", (_name, end, cutoff) => {
    expect(revocationCutoff(new Date(end)).toISOString()).toBe(cutoff);
  });

  it.each([
    ["the set's duration", 240, 240],
    ["below AWS's minimum counts as 1 h", 15, 60],
    ["above AWS's maximum counts as 12 h", 2000, 720],
    ["unknown means the 12 h hard maximum", null, 720],
    ["not a number means 12 h", Number.NaN, 720],
    ["a fraction rounds up", 60.2, 61],
  ])("expiry is the cutoff plus %s", (_name, minutes, expected) => {
    expect(revocationExpiry(at(0), minutes)).toEqual(at(expected));
  });
});

describe("mergeRevocations", () => {
  it.each<[string, TrackedRevocation[], TrackedRevocation[]]>([
    ["nothing tracked", [], []],
    ["one user, one entry", [tracked(ALICE, -10)], [tracked(ALICE, -10)]],
    [
      "one user, two entries: the latest cutoff and the latest expiry",
      [tracked(ALICE, -10, 300), tracked(ALICE, 5, 65)],
      [tracked(ALICE, 5, 300)],
    ],
    ["an expired entry drops out", [tracked(ALICE, -120, -60)], []],
    ["expiring exactly now drops out", [tracked(ALICE, -60, 0)], []],
    [
      "an expired later cutoff drops out, the earlier one still covering its own sessions stays",
      [tracked(ALICE, -90, -1), tracked(ALICE, -100, 500)],
      [tracked(ALICE, -100, 500)],
    ],
    [
      "several users stay apart, sorted by id",
      [tracked(CAROL, 1), tracked(BOB, 2), tracked(ALICE, 3)],
      [tracked(ALICE, 3), tracked(CAROL, 1), tracked(BOB, 2)],
    ],
  ])("%s", (_name, input, expected) => {
    expect(mergeRevocations(input, now)).toEqual(expected);
  });
});

describe("planInlinePolicy", () => {
  it("writes a compact new policy when the set has none", () => {
    for (const none of [null, undefined, "", "  \n"]) {
      const policy = put(planInlinePolicy(none, [tracked(ALICE, 0)], now));
      expect(policy).toBe(`{"Version":"2012-10-17","Statement":[${statementText(ALICE, 0)}]}`);
    }
  });

  it("keeps every customer statement byte for byte, in order, with the Version and other members (compacted between them)", () => {
    const withId = customerPolicy.replace('"Version"', '"Id": "customer-doc",\n  "Version"');
    const policy = put(planInlinePolicy(withId, [tracked(BOB, 0), tracked(ALICE, 0)], now));
    expect(policy).toBe(
      `{"Id":"customer-doc","Version":"2012-10-17","Statement":[${CUSTOMER_A},${CUSTOMER_B},${statementText(ALICE, 0)},${statementText(BOB, 0)}]}`,
    );
    // Taking them out again leaves the customer's statements as they were.
    const cleaned = put(planInlinePolicy(policy, [], now));
    expect(cleaned).toBe(`{"Id":"customer-doc","Version":"2012-10-17","Statement":[${CUSTOMER_A},${CUSTOMER_B}]}`);
    expect(JSON.parse(cleaned)).toEqual(JSON.parse(withId));
  });

  it("accepts a single Statement object and keeps it", () => {
    const single = `{"Version":"2012-10-17","Statement":${CUSTOMER_A}}`;
    expect(put(planInlinePolicy(single, [tracked(ALICE, 0)], now))).toBe(
      `{"Version":"2012-10-17","Statement":[${CUSTOMER_A},${statementText(ALICE, 0)}]}`,
    );
  });

  it("replaces a user's statement by the later cutoff: one statement per user", () => {
    const first = put(planInlinePolicy(customerPolicy, [tracked(ALICE, 0)], now));
    const second = put(planInlinePolicy(first, [tracked(ALICE, 0), tracked(ALICE, 30)], now));
    expect(readPortalStatements(second)).toEqual({
      ok: true,
      statements: [{ identityStoreUserId: ALICE, accountId: ACCOUNT_A, cutoff: at(30) }],
    });
    expect(second.split("JitPortalRevoke").length - 1).toBe(1);
  });

  it("is unchanged when the policy already holds exactly the wanted statements (apply twice)", () => {
    const first = put(planInlinePolicy(customerPolicy, [tracked(ALICE, 0), tracked(BOB, 5)], now));
    expect(planInlinePolicy(first, [tracked(BOB, 5), tracked(ALICE, 0)], now)).toEqual({
      kind: "unchanged",
      statements: [
        { identityStoreUserId: ALICE, accountId: ACCOUNT_A, cutoff: at(0) },
        { identityStoreUserId: BOB, accountId: ACCOUNT_A, cutoff: at(5) },
      ],
    });
    expect(planInlinePolicy(customerPolicy, [], now)).toEqual({ kind: "unchanged", statements: [] });
    expect(planInlinePolicy(null, [], now)).toEqual({ kind: "unchanged", statements: [] });
  });

  it("puts back a portal statement someone removed or altered the cutoff of", () => {
    const altered = `{"Version":"2012-10-17","Statement":[${statementText(ALICE, -600)}]}`;
    expect(put(planInlinePolicy(altered, [tracked(ALICE, 0)], now))).toBe(
      `{"Version":"2012-10-17","Statement":[${statementText(ALICE, 0)}]}`,
    );
  });

  it("deletes the policy when the last portal statement goes and the customer wrote none", () => {
    const ours = put(planInlinePolicy(null, [tracked(ALICE, 0, 60)], now));
    expect(planInlinePolicy(ours, [tracked(ALICE, 0, 60)], at(61))).toEqual({ kind: "delete" });
    expect(planInlinePolicy(`{"Version":"2012-10-17","Statement":[]}`, [], now)).toEqual({
      kind: "unchanged",
      statements: [],
    });
  });

  it("removes only expired statements at cleanup", () => {
    const both = put(planInlinePolicy(customerPolicy, [tracked(ALICE, 0, 60), tracked(BOB, 0, 600)], now));
    const cleaned = put(planInlinePolicy(both, [tracked(ALICE, 0, 60), tracked(BOB, 0, 600)], at(120)));
    expect(readPortalStatements(cleaned)).toEqual({
      ok: true,
      statements: [{ identityStoreUserId: BOB, accountId: ACCOUNT_A, cutoff: at(0) }],
    });
    expect(cleaned).toContain(CUSTOMER_A);
    expect(cleaned).toContain(CUSTOMER_B);
  });

  it.each([
    ["not JSON", "{Version: 2012}"],
    ["trailing text after the object", `${customerPolicy} {}`],
    ["a JSON list at the top", "[]"],
    ["a string at the top", '"policy"'],
    ["no Statement", `{"Version":"2012-10-17"}`],
    ["a Statement that is a string", `{"Version":"2012-10-17","Statement":"Allow"}`],
    ["a statement that is not an object", `{"Version":"2012-10-17","Statement":[${CUSTOMER_A},42]}`],
    ["a repeated top-level key", `{"Version":"2012-10-17","Statement":[],"Statement":[${CUSTOMER_A}]}`],
    ["a repeated key inside a statement", `{"Statement":[{"Sid":"A","Sid":"JitPortalRevokeX","Effect":"Deny"}]}`],
    ["a control character in a string", `{"Statement":[{"Sid":"A\u0001"}]}`],
    ["a bad escape", `{"Statement":[{"Sid":"\\x41"}]}`],
    ["a leading zero", `{"Statement":[{"N":01}]}`],
    ["an unclosed list", `{"Statement":[${CUSTOMER_A}`],
    ["deep nesting", `{"Statement":${"[".repeat(200)}${"]".repeat(200)}}`],
    ["a character outside Latin-1", `{"Statement":[{"Sid":"caf\u2011e"}]}`],
    [
      "a customer statement smuggled under the portal prefix (allow)",
      `{"Statement":[{"Sid":"JitPortalRevokeAdmin","Effect":"Allow","Action":"*","Resource":"*"}]}`,
    ],
    [
      "a portal-looking statement with an extra condition",
      `{"Statement":[${statementText(ALICE, 0).replace('"Condition":{', '"Condition":{"Bool":{"aws:SecureTransport":"true"},')}]}`,
    ],
    [
      "a portal Sid that names another user than its condition",
      `{"Statement":[${statementText(ALICE, 0).replace(revocationSid(ALICE, ACCOUNT_A), revocationSid(BOB, ACCOUNT_A))}]}`,
    ],
    [
      "a portal statement with a cutoff we would not write",
      `{"Statement":[${statementText(ALICE, 0).replace("T10:00:00Z", "T10:00:00.000Z")}]}`,
    ],
    ["the same portal statement twice", `{"Statement":[${statementText(ALICE, 0)},${statementText(ALICE, 0)}]}`],
  ])("refuses to touch a malformed policy: %s", (_name, text) => {
    const edit = planInlinePolicy(text, [tracked(ALICE, 0)], now);
    expect(edit.kind).toBe("malformed");
    expect(readPortalStatements(text).ok).toBe(false);
    // The reason names what is wrong, never the customer's text.
    if (edit.kind === "malformed") expect(edit.reason).not.toContain("ReadLogs");
  });

  it("refuses a revocation for something that is not an Identity Store user id", () => {
    expect(planInlinePolicy(null, [tracked('x"},{"Effect":"Allow', 0)], now).kind).toBe("malformed");
  });

  it("accepts statements a portal wrote with keys in another order (a tool may re-serialize them)", () => {
    const reordered = JSON.stringify({
      Condition: {
        DateLessThan: { "aws:TokenIssueTime": "2030-01-15T10:00:00Z" },
        StringEquals: { "aws:PrincipalAccount": ACCOUNT_A, "identitystore:userId": ALICE },
      },
      Resource: "*",
      Action: "*",
      Effect: "Deny",
      Sid: revocationSid(ALICE, ACCOUNT_A),
    });
    expect(readPortalStatements(`{"Statement":[${reordered}]}`)).toEqual({
      ok: true,
      statements: [{ identityStoreUserId: ALICE, accountId: ACCOUNT_A, cutoff: at(0) }],
    });
  });

  it("reports too large instead of writing past the non-whitespace limit", () => {
    const padding = "a".repeat(INLINE_POLICY_MAX_NON_WHITESPACE_BYTES - 450);
    const big = `{"Version":"2012-10-17","Statement":[{"Sid":"Big","Effect":"Allow","Action":"s3:${padding}","Resource":"*"}]}`;
    expect(measure(big).nonWhitespaceBytes).toBeLessThanOrEqual(INLINE_POLICY_MAX_NON_WHITESPACE_BYTES);
    expect(planInlinePolicy(big, [tracked(ALICE, 0)], now).kind).toBe("put");
    // Cutoffs more than five minutes apart: no packing can share a statement between them.
    const edit = planInlinePolicy(big, [tracked(ALICE, 0), tracked(BOB, 7)], now);
    expect(edit).toMatchObject({ kind: "too-large" });
    if (edit.kind === "too-large")
      expect(edit.nonWhitespaceBytes).toBeGreaterThan(INLINE_POLICY_MAX_NON_WHITESPACE_BYTES);
  });

  it("counts whitespace toward the 32,768-byte limit but not the non-whitespace one", () => {
    const spaced = `{"Version":"2012-10-17","Statement":[{"Sid":"Spaced",${" ".repeat(32_500)}"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}`;
    expect(measure(spaced).bytes).toBeLessThan(32_768);
    expect(planInlinePolicy(spaced, [tracked(ALICE, 0)], now).kind).toBe("too-large");
  });

  it("counts Latin-1 characters above 0x7F as two bytes", () => {
    expect(measure("é")).toEqual({ bytes: 2, nonWhitespaceBytes: 2 });
    expect(measure(" \t\r\n")).toEqual({ bytes: 4, nonWhitespaceBytes: 0 });
  });

  const userId = (i: number) => `9067668d9d-${i.toString(16).padStart(8, "0")}-1111-2222-3333-444444444444`;
  const users = (count: number, cutoffMs: (i: number) => number) =>
    Array.from({ length: count }, (_, i) => ({
      identityStoreUserId: userId(i),
      accountId: ACCOUNT_A,
      cutoff: new Date(now.getTime() + cutoffMs(i)),
      expiresAt: at(120),
    }));
  const portalStatementCount = (policy: string) =>
    (JSON.parse(policy) as { Statement: { Sid: string }[] }).Statement.filter((statement) =>
      statement.Sid.startsWith("JitPortalRevoke"),
    ).length;

  it.each<[string, TrackedRevocation[], number | "too-large", number]>([
    // [case, revocations, statements written (or too-large), the latest a cutoff may be moved, in ms]
    ["30 users, one statement each", users(30, () => 0), 30, 0],
    ["31 users ending together no longer fit one each: one list", users(31, () => 0), 1, 0],
    ["100 users ending together: one statement listing them all", users(100, () => 0), 1, 0],
    ["100 users, two shared cutoffs: two statements", users(100, (i) => (i % 2) * 60_000), 2, 0],
    ["100 users released a second apart: cutoffs rounded up to the minute", users(100, (i) => i * 1000), 3, 60_000],
    ["96 users a minute apart: five-minute rounding", users(96, (i) => i * 60_000), 20, 300_000],
    ["100 users ten minutes apart: no packing fits", users(100, (i) => i * 600_000), "too-large", 0],
    ["40 users a minute apart: five-minute rounding", users(40, (i) => i * 60_000), 9, 300_000],
    ["400 users ending together exceed even one list", users(400, () => 0), "too-large", 0],
  ])("%s", (_name, revocations, expected, maxShiftMs) => {
    const edit = planInlinePolicy(null, revocations, now);
    if (expected === "too-large") {
      expect(edit.kind).toBe("too-large");
      return;
    }
    const policy = put(edit);
    expect(measure(policy).nonWhitespaceBytes).toBeLessThanOrEqual(INLINE_POLICY_MAX_NON_WHITESPACE_BYTES);
    expect(portalStatementCount(policy)).toBe(expected);
    // Every user is denied, never earlier than asked and at most one rounding step later.
    const read = readPortalStatements(policy);
    if (!read.ok) throw new Error(read.reason);
    expect(read.statements).toHaveLength(revocations.length);
    for (const revocation of revocations) {
      const written = read.statements.find(
        (statement) => statement.identityStoreUserId === revocation.identityStoreUserId,
      )!;
      expect(written.cutoff.getTime()).toBeGreaterThanOrEqual(revocation.cutoff.getTime());
      expect(written.cutoff.getTime() - revocation.cutoff.getTime()).toBeLessThanOrEqual(maxShiftMs);
    }
    // Applying again changes nothing: the grouped text reads back as what was asked for.
    expect(planInlinePolicy(policy, revocations, now).kind).toBe("unchanged");
  });

  it("refuses a grouped statement that was tampered with (a user added, the list unsorted, a lone user as a list)", () => {
    const ids = [userId(0), userId(1), userId(2)];
    const grouped = `{"Version":"2012-10-17","Statement":[${JSON.stringify(groupStatement(now, ACCOUNT_A, ids))}]}`;
    expect(readPortalStatements(grouped)).toMatchObject({ ok: true, statements: { length: 3 } });
    const variants = [
      grouped.replace(`"${ids[2]}"]`, `"${ids[2]}","someone-else"]`),
      grouped.replace(`["${ids[0]}","${ids[1]}"`, `["${ids[1]}","${ids[0]}"`),
    ];
    for (const variant of variants) expect(planInlinePolicy(variant, [], now).kind).toBe("malformed");
    const single = JSON.stringify({
      ...portalStatement({ identityStoreUserId: ALICE, accountId: ACCOUNT_A, cutoff: now }),
    });
    const asList = single.replace(`"${ALICE}"`, `["${ALICE}"]`);
    expect(planInlinePolicy(`{"Version":"2012-10-17","Statement":[${asList}]}`, [], now).kind).toBe("malformed");
  });
  it("keeps one user's statements in two accounts apart, and merges per (user, account)", () => {
    const policy = put(
      planInlinePolicy(
        null,
        [tracked(ALICE, 0, 60, ACCOUNT_B), tracked(ALICE, 10, 60, ACCOUNT_A), tracked(ALICE, 5, 60, ACCOUNT_A)],
        now,
      ),
    );
    expect(readPortalStatements(policy)).toEqual({
      ok: true,
      statements: [
        { identityStoreUserId: ALICE, accountId: ACCOUNT_A, cutoff: at(10) },
        { identityStoreUserId: ALICE, accountId: ACCOUNT_B, cutoff: at(0) },
      ],
    });
    // The account B statement expiring leaves account A's in place.
    const cleaned = put(
      planInlinePolicy(policy, [tracked(ALICE, 0, 30, ACCOUNT_B), tracked(ALICE, 10, 60, ACCOUNT_A)], at(31)),
    );
    expect(cleaned).toBe(`{"Version":"2012-10-17","Statement":[${statementText(ALICE, 10, ACCOUNT_A)}]}`);
  });

  it("groups users ending together per account, never across accounts", () => {
    const revocations = [
      ...users(60, () => 0),
      ...users(60, () => 0).map((revocation) => ({ ...revocation, accountId: ACCOUNT_B })),
    ];
    const policy = put(planInlinePolicy(null, revocations, now));
    const statements = (JSON.parse(policy) as { Statement: { Condition: { StringEquals: Record<string, unknown> } }[] })
      .Statement;
    expect(statements.map((statement) => statement.Condition.StringEquals["aws:PrincipalAccount"])).toEqual([
      ACCOUNT_A,
      ACCOUNT_B,
    ]);
    expect(planInlinePolicy(policy, revocations, now).kind).toBe("unchanged");
  });

  it("reads a statement written before account scoping as cutting every account, and rewrites it scoped", () => {
    const unscoped = `{"Version":"2012-10-17","Statement":[${CUSTOMER_A},${statementText(ALICE, 0, null)}]}`;
    expect(JSON.parse(statementText(ALICE, 0, null))).toMatchObject({
      Sid: revocationSid(ALICE, null),
      Condition: { StringEquals: { "identitystore:userId": ALICE } },
    });
    expect(readPortalStatements(unscoped)).toEqual({
      ok: true,
      statements: [{ identityStoreUserId: ALICE, accountId: null, cutoff: at(0) }],
    });
    expect(put(planInlinePolicy(unscoped, [tracked(ALICE, 0)], now))).toBe(
      `{"Version":"2012-10-17","Statement":[${CUSTOMER_A},${statementText(ALICE, 0)}]}`,
    );
    // Due: cleanup removes it like any other portal statement.
    expect(put(planInlinePolicy(unscoped, [tracked(ALICE, 0, 60)], at(61)))).toBe(
      `{"Version":"2012-10-17","Statement":[${CUSTOMER_A}]}`,
    );
    const unscopedGroup = JSON.stringify(groupStatement(now, null, [ALICE, BOB]));
    expect(readPortalStatements(`{"Statement":[${unscopedGroup},${statementText(ALICE, 0)}]}`)).toMatchObject({
      ok: true,
      statements: { length: 3 },
    });
  });

  it.each([
    ["an account list", (text: string) => text.replace(`"${ACCOUNT_A}"`, `["${ACCOUNT_A}","${ACCOUNT_B}"]`)],
    [
      "a wildcard account",
      (text: string) => text.replace(`"aws:PrincipalAccount":"${ACCOUNT_A}"`, `"aws:PrincipalAccount":"*"`),
    ],
    [
      "a short account",
      (text: string) => text.replace(`"aws:PrincipalAccount":"${ACCOUNT_A}"`, `"aws:PrincipalAccount":"1111"`),
    ],
    [
      "a numeric account",
      (text: string) => text.replace(`"aws:PrincipalAccount":"${ACCOUNT_A}"`, `"aws:PrincipalAccount":111111111111`),
    ],
    [
      "another account than the Sid names",
      (text: string) => text.replace(`"aws:PrincipalAccount":"${ACCOUNT_A}"`, `"aws:PrincipalAccount":"${ACCOUNT_B}"`),
    ],
    [
      "the Sid's account dropped from the condition",
      (text: string) => text.replace(`,"aws:PrincipalAccount":"${ACCOUNT_A}"`, ""),
    ],
    [
      "the account moved to StringLike",
      (text: string) =>
        text
          .replace(`,"aws:PrincipalAccount":"${ACCOUNT_A}"`, "")
          .replace('"DateLessThan"', `"StringLike":{"aws:PrincipalAccount":"${ACCOUNT_A}"},"DateLessThan"`),
    ],
    ["a differently cased key", (text: string) => text.replace("aws:PrincipalAccount", "aws:principalaccount")],
  ])("refuses a tampered account condition: %s", (_name, tamper) => {
    for (const original of [statementText(ALICE, 0), JSON.stringify(groupStatement(now, ACCOUNT_A, [ALICE, BOB]))]) {
      const tampered = tamper(original);
      expect(tampered).not.toBe(original);
      const text = `{"Version":"2012-10-17","Statement":[${tampered}]}`;
      expect(readPortalStatements(text).ok).toBe(false);
      expect(planInlinePolicy(text, [tracked(ALICE, 0)], now).kind).toBe("malformed");
    }
  });
});

describe("coversAfterDeprovision", () => {
  const now = new Date("2026-12-05T10:00:00Z");
  const user = "9067c4e1a2-63fe1d06-6e45-4ca8-9768-c82df3db3171";
  const row = { identityStoreUserId: user };
  const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);
  it.each([
    [
      "a verified deny of the user, cutoff after now",
      { status: "VERIFIED", cutoff: at(1), identityStoreUserId: user },
      true,
    ],
    ["cutoff exactly now", { status: "VERIFIED", cutoff: at(0), identityStoreUserId: user }, true],
    [
      "cutoff already past: later sessions are not covered",
      { status: "VERIFIED", cutoff: at(-1), identityStoreUserId: user },
      false,
    ],
    ["applied but not yet provisioned", { status: "APPLIED", cutoff: at(60_000), identityStoreUserId: user }, false],
    ["failed", { status: "FAILED", cutoff: at(60_000), identityStoreUserId: user }, false],
    ["cleaned (statement gone)", { status: "CLEANED", cutoff: at(60_000), identityStoreUserId: user }, false],
    ["another user's deny", { status: "VERIFIED", cutoff: at(60_000), identityStoreUserId: `${user}x` }, false],
    ["a row without a user id", { status: "VERIFIED", cutoff: at(60_000), identityStoreUserId: null }, false],
  ])("%s", (_name, candidate, expected) => {
    expect(coversAfterDeprovision(candidate, row, now)).toBe(expected);
  });
  it("never covers a revocation that has no user id itself", () => {
    const candidate = { status: "VERIFIED", cutoff: at(60_000), identityStoreUserId: null };
    expect(coversAfterDeprovision(candidate, { identityStoreUserId: null }, now)).toBe(false);
  });
});
