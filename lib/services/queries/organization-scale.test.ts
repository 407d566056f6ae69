import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pageRangeText } from "../../domain/pagination";
import { evaluateTarget } from "../../domain/policy";
import { PolicyDocument } from "../../domain/policy-schema";
import { searchWords, targetMatches } from "../../domain/target-search";
import { Prisma } from "../../generated/prisma/client";
import type { Role } from "../../generated/prisma/enums";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import type { ServiceContext, UserActor } from "../context";
import { listApprovalQueue, pendingApprovalCount, QUEUE_PAGE_SIZE } from "./approval-queue";
import { getActivePolicyView, POLICY_RULES_PAGE_SIZE } from "./policy-view";
import {
  getRequestFormOptions,
  resolveRequestTargets,
  searchRequestTargets,
  TARGET_SEARCH_LIMIT,
} from "./request-form-options";

// An organization at the scale of issue 14: 1,000 accounts in nested OUs, 100 permission sets, 2,000 pending requests.
const ROOT = "r-scal";
const level1 = (a: number) => `ou-scal-level1a${a}`;
const level2 = (a: number, b: number) => `ou-scal-level2b${a}${b}`;
const ACCOUNTS = Array.from({ length: 1000 }, (_, i) => {
  const a = Math.floor(i / 100);
  const b = Math.floor(i / 10) % 10;
  return {
    id: String(100000000000 + i),
    name: `acct-${String(i).padStart(4, "0")}`,
    ouPath: `Root/Unit${a}/Team${a}${b}`,
    ouIds: [ROOT, level1(a), level2(a, b)],
  };
});
const SET_NAMES = Array.from({ length: 100 }, (_, i) => `PS${String(i).padStart(3, "0")}`);
const arnOf = (name: string) => `arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-${name.toLowerCase()}`;
const DENIED_ACCOUNT = ACCOUNTS[7]!;

const POLICY = PolicyDocument.parse({
  version: 1,
  rules: [
    {
      id: "eng-broad",
      requesters: { groups: ["eng"] },
      accounts: { ous: [0, 1, 2, 3, 4].map(level1) },
      permissionSets: SET_NAMES.slice(0, 20),
      maxDurationMinutes: 120,
      approval: { auto: true },
    },
    {
      id: "eng-power",
      requesters: { groups: ["eng"] },
      accounts: { ous: [level1(0)] },
      permissionSets: ["PS020"],
      maxDurationMinutes: 60,
      approval: { auto: false, approvers: { groups: ["approvers"] }, required: 1 },
    },
    // Enough rules that the policy page has three pages.
    ...Array.from({ length: 118 }, (_, i) => ({
      id: `filler-${String(i).padStart(3, "0")}`,
      requesters: { groups: ["nobody"] },
      accounts: { ids: [ACCOUNTS[900 + (i % 100)]!.id] },
      permissionSets: ["PS099"],
      maxDurationMinutes: 60,
      approval: { auto: true },
    })),
  ],
  deny: [
    {
      id: "no-ps005-in-team03",
      requesters: { groups: ["*"] },
      accounts: { ous: [level2(0, 3)] },
      permissionSets: ["PS005"],
      reason: "Not in that team.",
    },
    {
      id: "erin-not-acct-7",
      requesters: { users: ["erin@example.com"] },
      accounts: { ids: [DENIED_ACCOUNT.id] },
      permissionSets: ["*"],
      reason: "Conflict of interest.",
    },
  ],
});

const PEOPLE: Record<string, { groups: string[]; roles: Role[] }> = {
  erin: { groups: ["eng"], roles: ["REQUESTER"] },
  bob: { groups: ["approvers"], roles: ["APPROVER"] },
  nobody: { groups: ["other"], roles: ["REQUESTER"] },
};

let db: TestDatabase;
const users: Record<string, UserActor> = {};
const pendingIds: string[] = [];
const now = new Date();
const as = (name: string): ServiceContext => ({ actor: users[name]!, db: db.prisma, now: () => now });

let allowedPairs: { account: (typeof ACCOUNTS)[number]; name: string }[] | undefined;

/** What the eligibility rule itself says, pair by pair, in the form's order (account name, then permission set name). */
function expectedTargets(query: string): string[] {
  const requester = { email: users.erin!.email, groups: users.erin!.groups };
  allowedPairs ??= ACCOUNTS.flatMap((account) =>
    SET_NAMES.filter((name) => evaluateTarget(POLICY, requester, { account, permissionSetName: name }).allowed).map(
      (name) => ({ account, name }),
    ),
  );
  const words = searchWords(query);
  return allowedPairs
    .filter(({ account, name }) =>
      targetMatches(words, {
        accountId: account.id,
        accountName: account.name,
        ouPath: account.ouPath,
        permissionSetName: name,
      }),
    )
    .map(({ account, name }) => `${account.id}|${arnOf(name)}`);
}

const keysOf = (accounts: { id: string; permissionSets: { arn: string }[] }[]) =>
  accounts.flatMap((account) => account.permissionSets.map((set) => `${account.id}|${set.arn}`));

beforeAll(async () => {
  db = await createTestDatabase();
  await db.prisma.awsAccount.createMany({ data: ACCOUNTS });
  await db.prisma.permissionSet.createMany({
    data: SET_NAMES.map((name) => ({ arn: arnOf(name), name, sessionDurationMinutes: 60 })),
  });
  const policy = await db.prisma.policy.create({
    data: {
      sourcePath: "scale.yaml",
      contentHash: "scale",
      document: POLICY as unknown as Prisma.InputJsonValue,
      active: true,
    },
  });
  for (const [name, person] of Object.entries(PEOPLE)) {
    const email = `${name}@example.com`;
    const user = await db.prisma.user.create({
      data: { email, name, roles: person.roles, idpGroups: person.groups },
    });
    users[name] = {
      type: "user",
      userId: user.id,
      email,
      name,
      roles: person.roles,
      groups: person.groups,
      identityStoreUserId: null,
      ip: null,
      userAgent: null,
    };
  }
  // 2,000 pending PowerUser requests from erin, one second apart, each routed to the approvers group.
  const created = await db.prisma.accessRequest.createManyAndReturn({
    data: Array.from({ length: 2000 }, (_, i) => {
      const createdAt = new Date(now.getTime() - (2000 - i) * 1000);
      return {
        requesterId: users.erin!.userId,
        policyId: policy.id,
        status: "PENDING" as const,
        justification: `Scale request ${i}`,
        durationMinutes: 60,
        startsAt: createdAt,
        endsAt: new Date(createdAt.getTime() + 3_600_000),
        requiredApprovals: 1,
        createdAt,
        approvalExpiresAt: new Date(now.getTime() + 3_600_000),
        matchedRuleId: "eng-power",
      };
    }),
    select: { id: true, createdAt: true },
  });
  created.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  pendingIds.push(...created.map((r) => r.id));
  await db.prisma.requestTarget.createMany({
    data: created.map((r, i) => ({
      requestId: r.id,
      accountId: ACCOUNTS[10 + (i % 90)]!.id,
      permissionSetArn: arnOf("PS020"),
    })),
  });
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

describe("request form at organization scale", () => {
  it("sends a page that does not grow with the organization (payload sizes printed)", async () => {
    const everything = await getRequestFormOptions({ ctx: as("erin") });
    const firstPage = await searchRequestTargets({ ctx: as("erin"), input: {} });
    const before = JSON.stringify(everything).length;
    const after = JSON.stringify(firstPage).length;
    console.log(`BENCH request-form-props all-eligible=${before} bytes first-search-page=${after} bytes`);
    expect(firstPage.shown).toBe(TARGET_SEARCH_LIMIT);
    expect(keysOf(firstPage.accounts)).toHaveLength(TARGET_SEARCH_LIMIT);
    expect(firstPage.matching).toBe(expectedTargets("").length);
    expect(after).toBeLessThan(64 * 1024);
    expect(before).toBeGreaterThan(20 * after);
  });

  it.each([
    ["", "every eligible target"],
    ["acct-0123", "one account"],
    ["100000000456", "an account id"],
    ["unit0/team03", "an OU path, where a deny rule removes one set"],
    ["team00 ps0", "an account and a set together"],
    ["PS020", "a set granted on one OU only"],
    ["PS005 team03", "a denied pair only"],
    ["acct-0007", "an account denied to this requester by name"],
    ["PS050", "a set no rule offers"],
    ["acct-0600", "an account outside every rule"],
  ])("search %j (%s) returns exactly what the eligibility rule allows, first page first", async (query) => {
    const expected = expectedTargets(query);
    const result = await searchRequestTargets({ ctx: as("erin"), input: { q: query } });
    expect(result.matching).toBe(expected.length);
    expect(result.shown).toBe(Math.min(expected.length, TARGET_SEARCH_LIMIT));
    expect(keysOf(result.accounts)).toEqual(expected.slice(0, TARGET_SEARCH_LIMIT));
  });

  it("never returns a denied target, whatever the query", async () => {
    const deniedPair = await searchRequestTargets({ ctx: as("erin"), input: { q: "PS005 team03" } });
    expect(deniedPair.matching).toBe(0);
    expect(deniedPair.message).toBeNull();
    const deniedAccount = await searchRequestTargets({ ctx: as("erin"), input: { q: DENIED_ACCOUNT.name } });
    expect(deniedAccount.accounts).toEqual([]);
    // A prefill link cannot smuggle in what the search refuses.
    const resolved = await resolveRequestTargets({
      ctx: as("erin"),
      keys: [
        `${DENIED_ACCOUNT.id}|${arnOf("PS001")}`,
        `${ACCOUNTS[30]!.id}|${arnOf("PS005")}`,
        `${ACCOUNTS[8]!.id}|${arnOf("PS001")}`,
      ],
    });
    expect(keysOf(resolved)).toEqual([`${ACCOUNTS[8]!.id}|${arnOf("PS001")}`]);
  });

  it("tells a requester the policy offers nothing, and refuses an over-long query as a field error", async () => {
    const result = await searchRequestTargets({ ctx: as("nobody"), input: { q: "" } });
    expect(result.accounts).toEqual([]);
    expect(result.message).toMatch(/does not let you request/);
    await expect(searchRequestTargets({ ctx: as("erin"), input: { q: "x".repeat(201) } })).rejects.toMatchObject({
      code: "VALIDATION",
    });
    await expect(searchRequestTargets({ ctx: as("bob"), input: {} })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("approval queue at organization scale", () => {
  it("pages 2,000 pending requests 50 at a time, oldest first, with no gap or overlap", async () => {
    const first = await listApprovalQueue({ ctx: as("bob") });
    expect(first.totalRequests).toBe(2000);
    expect(first.truncated).toBe(false);
    expect(first.requests).toHaveLength(QUEUE_PAGE_SIZE);
    expect(pageRangeText(first.page)).toBe("1–50 of 2,000");
    const seen: string[] = [];
    for (let page = 1; page <= first.page.pageCount; page++)
      seen.push(...(await listApprovalQueue({ ctx: as("bob"), page })).requests.map((r) => r.id));
    expect(seen).toEqual(pendingIds);
    const last = await listApprovalQueue({ ctx: as("bob"), page: 40 });
    expect(pageRangeText(last.page)).toBe("1,951–2,000 of 2,000");
    // Past the end reads as the last page, never an empty one.
    expect((await listApprovalQueue({ ctx: as("bob"), page: 41 })).requests.map((r) => r.id)).toEqual(
      last.requests.map((r) => r.id),
    );
    expect(await pendingApprovalCount({ ctx: as("bob") })).toBe(2000);
  }, 120_000);

  it("pages the filtered and re-ordered queue, and the facets still name the whole queue", async () => {
    const account = ACCOUNTS[10]!.id;
    const filtered = await listApprovalQueue({ ctx: as("bob"), input: { account, sort: "newest" }, page: 1 });
    // Accounts 10..99 take turns: 2,000 / 90 → 23 requests on the first accounts.
    expect(filtered.page.total).toBe(23);
    expect(filtered.requests.every((r) => r.targets.some((t) => t.accountId === account))).toBe(true);
    expect(filtered.requests[0]!.createdAt.getTime()).toBeGreaterThan(filtered.requests.at(-1)!.createdAt.getTime());
    expect(filtered.facets.accounts).toHaveLength(90);
  }, 60_000);
});

describe("policy page at organization scale", () => {
  it("lists 120 allow rules 50 per page in the document's order", async () => {
    const pages = await Promise.all([1, 2, 3, 4].map((page) => getActivePolicyView({ ctx: as("erin"), page })));
    expect(pages.map((view) => view!.rules.length)).toEqual([POLICY_RULES_PAGE_SIZE, POLICY_RULES_PAGE_SIZE, 20, 20]);
    expect(pages.flatMap((view) => view!.rules.map((r) => r.id)).slice(0, 120)).toEqual(POLICY.rules.map((r) => r.id));
    expect(pageRangeText(pages[2]!.rulesPage)).toBe("101–120 of 120");
    expect(pages[0]!.document!.rules).toHaveLength(120);
  });
});
