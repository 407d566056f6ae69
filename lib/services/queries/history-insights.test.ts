import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestStatus } from "../../generated/prisma/enums";
import { REQUEST_STATUSES } from "../../domain/request-lifecycle";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import type { ServiceContext, UserActor } from "../context";
import { lowerBound, upperBound } from "./history-filters";
import {
  DEFAULT_INSIGHT_DAYS,
  getHistoryInsights,
  HistoryInsightsInput,
  type DayOutcomes,
  type HistoryInsights,
  type RankedItem,
} from "./history-insights";

// The single-statement insights must equal a plain computation over every row, edge by edge.

const DAY = 86_400_000;
const ROOT = "r-root1";
const OU_A = "ou-root-aaaa0001";
const OU_B = "ou-root-bbbb0002";
const ACCOUNTS = [
  { id: "100000000001", name: "alpha-prod", ouPath: "Root/A", ouIds: [ROOT, OU_A] },
  { id: "100000000002", name: "beta-prod", ouPath: "Root/A", ouIds: [ROOT, OU_A] },
  { id: "100000000003", name: "gamma-dev", ouPath: "Root/B", ouIds: [ROOT, OU_B] },
];
const SET_ARN = (name: string) => `arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-${name}`;
const SETS = ["read", "power", "admin"].map((name) => ({ arn: SET_ARN(name), name: `Set-${name}` }));
// An account and a set that are no longer in the inventory: their ids stand in for names.
const GONE_ACCOUNT = "999999999999";
const GONE_SET = SET_ARN("gone");
// Sunday 30 March 2025 01:00 UTC: Europe/Paris moves from UTC+1 to UTC+2, a day of 23 hours there.
const T0 = Date.UTC(2025, 2, 24);
const NOW = new Date(T0 + 20 * DAY + 5 * 3_600_000);

let db: TestDatabase;
const people: UserActor[] = [];
let auditor: UserActor;

/** Deterministic pseudo-random numbers, so a failure reproduces. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

interface Row {
  id: string;
  createdAt: Date;
  status: RequestStatus;
  requiredApprovals: number;
  decidedAt: Date | null;
  breakGlass: boolean;
  requesterId: string;
  targets: { accountId: string; permissionSetArn: string }[];
  grants: {
    id: string;
    userId: string;
    accountId: string;
    permissionSetArn: string;
    status: string;
    startsAt: Date;
    createVerifiedAt: Date | null;
  }[];
  decisions: { id: string; approverId: string; decision: string; createdAt: Date }[];
}

beforeAll(async () => {
  db = await createTestDatabase();
  for (const account of ACCOUNTS) await db.prisma.awsAccount.create({ data: account });
  for (const set of SETS) await db.prisma.permissionSet.create({ data: set });
  for (let i = 0; i < 6; i++) {
    const email = `person${i}@example.com`;
    const user = await db.prisma.user.create({ data: { email, name: `Person ${i}`, roles: ["REQUESTER"] } });
    people.push({
      type: "user",
      userId: user.id,
      email,
      name: user.name,
      roles: ["REQUESTER"],
      groups: [],
      identityStoreUserId: null,
      ip: "10.0.0.1",
      userAgent: "vitest",
    });
  }
  const carol = await db.prisma.user.create({
    data: { email: "carol@example.com", name: "Carol", roles: ["AUDITOR"] },
  });
  auditor = { ...people[0]!, userId: carol.id, email: "carol@example.com", roles: ["AUDITOR"] };

  const next = random(14);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const accountIds = [...ACCOUNTS.map((a) => a.id), GONE_ACCOUNT];
  const setArns = [...SETS.map((s) => s.arn), GONE_SET];
  // Day boundaries exactly, a millisecond either side, and the Paris change of time.
  const edges = [
    T0,
    T0 + DAY - 1,
    T0 + DAY,
    T0 + 5 * DAY + 3_600_000 - 1,
    T0 + 6 * DAY + 3_600_000,
    T0 + 6 * DAY + 59 * 60_000 + 59_999,
    T0 + 10 * DAY - 1,
    T0 + 10 * DAY,
    T0 + 19 * DAY + 23 * 3_600_000 + 59 * 60_000,
  ];
  const moments = [...edges, ...Array.from({ length: 160 }, () => T0 - 2 * DAY + Math.floor(next() * 23 * DAY))];
  for (const [index, at] of moments.entries()) {
    const status = pick(REQUEST_STATUSES);
    const requiredApprovals = pick([0, 1, 1, 2]);
    const breakGlass = next() < 0.1;
    const decided = status !== "PENDING" && status !== "CANCELLED" ? next() < 0.9 : false;
    const decidedAt = decided ? new Date(at + Math.floor(next() * 40_000)) : null;
    const targetCount = 1 + Math.floor(next() * 3);
    const targets = new Map<string, { accountId: string; permissionSetArn: string }>();
    for (let t = 0; t < targetCount; t++) {
      const target = { accountId: pick(accountIds), permissionSetArn: pick(setArns) };
      targets.set(`${target.accountId}|${target.permissionSetArn}`, target);
    }
    const requester = people[index % people.length]!;
    const request = await db.prisma.accessRequest.create({
      data: {
        requesterId: requester.userId,
        status,
        justification: `Work ${index}`,
        durationMinutes: 60,
        startsAt: new Date(at),
        endsAt: new Date(at + 3_600_000),
        requiredApprovals,
        createdAt: new Date(at),
        decidedAt,
        breakGlass,
        targets: { create: [...targets.values()] },
      },
      include: { targets: true },
    });
    // Exactly at the fast threshold (10 s) is not fast; a millisecond less is.
    const waits = [10_000, 9_999, Math.floor(next() * 30_000), 600_000];
    for (let d = 0; d < 1 + Math.floor(next() * 2); d++)
      await db.prisma.approvalDecision.create({
        data: {
          requestId: request.id,
          approverId: people[(index + d + 1) % people.length]!.userId,
          decision: next() < 0.85 ? "APPROVE" : "DENY",
          round: d,
          createdAt: new Date(at + waits[(index + d) % waits.length]!),
        },
      });
    for (const target of request.targets) {
      if (next() < 0.2) continue;
      const verified = next() < 0.9;
      // Several grants share a verification instant, so the order of the lists needs its tie-break.
      const verifiedAt = index % 7 === 0 ? T0 + 6 * DAY + 3_600_000 : at + Math.floor(next() * 12 * 3_600_000);
      await db.prisma.grant.create({
        data: {
          requestId: request.id,
          targetId: target.id,
          userId: requester.userId,
          accountId: target.accountId,
          permissionSetArn: target.permissionSetArn,
          status: next() < 0.15 ? "ACTIVE" : "REMOVED",
          startsAt: new Date(at),
          endsAt: new Date(at + 3_600_000),
          createVerifiedAt: verified ? new Date(verifiedAt) : null,
        },
      });
    }
  }
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

const ctx = (): ServiceContext => ({ actor: auditor, db: db.prisma, now: () => NOW });

async function loadRows(): Promise<Row[]> {
  return db.prisma.accessRequest.findMany({
    select: {
      id: true,
      createdAt: true,
      status: true,
      requiredApprovals: true,
      decidedAt: true,
      breakGlass: true,
      requesterId: true,
      targets: { select: { accountId: true, permissionSetArn: true } },
      grants: {
        select: {
          id: true,
          userId: true,
          accountId: true,
          permissionSetArn: true,
          status: true,
          startsAt: true,
          createVerifiedAt: true,
        },
      },
      decisions: { select: { id: true, approverId: true, decision: true, createdAt: true } },
    },
  });
}

function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.min(low + 1, sorted.length - 1);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

function rank(keys: string[], label: (key: string) => string | undefined, limit = 10): RankedItem[] {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .slice(0, limit)
    .map(([key, count]) => ({ key, label: label(key) ?? key, count }));
}

/** Wall-clock parts where the business hours apply. */
function localParts(at: Date, tz: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: tz,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const isoDay = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(parts.weekday!) + 1;
  return {
    isoDay,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
    text: `${parts.weekday} ${parts.hour}:${parts.minute}`,
  };
}

const dayText = (at: Date) => at.toISOString().slice(0, 10);

/** The charts computed the plain way: filter every row in JavaScript, count, sort, interpolate. */
function reference(rows: Row[], rawInput: Record<string, unknown>, names: Names): HistoryInsights {
  const input = HistoryInsightsInput.parse(rawInput);
  const from = input.from
    ? lowerBound(input.from)
    : new Date(Date.UTC(NOW.getUTCFullYear(), NOW.getUTCMonth(), NOW.getUTCDate()) - (DEFAULT_INSIGHT_DAYS - 1) * DAY);
  const to = input.to ? upperBound(input.to) : null;
  const requesterId = input.requester ? names.userIdByEmail.get(input.requester) : undefined;
  const targetMatches = (t: { accountId: string; permissionSetArn: string }) =>
    (!input.account || t.accountId === input.account) &&
    (!input.ou || (names.ouIdsByAccount.get(t.accountId) ?? []).includes(input.ou)) &&
    (!input.permissionSet || t.permissionSetArn === input.permissionSet);
  const targetFiltered = Boolean(input.account || input.ou || input.permissionSet);
  const matches = (r: Row, withTime: boolean) =>
    (!withTime || (r.createdAt >= from && (!to || r.createdAt < to))) &&
    (!input.requester || r.requesterId === requesterId) &&
    (!input.status || input.status.includes(r.status)) &&
    (input.kind !== "break-glass" || r.breakGlass) &&
    (!targetFiltered || r.targets.some(targetMatches));
  const inWindow = rows.filter((r) => matches(r, true));

  const days: DayOutcomes[] = [];
  const end = to ?? NOW;
  for (let t = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()); t < end.getTime(); t += DAY) {
    const day = dayText(new Date(t));
    const of = inWindow.filter((r) => dayText(r.createdAt) === day);
    const count = (statuses: RequestStatus[]) => of.filter((r) => statuses.includes(r.status)).length;
    days.push({
      day,
      total: of.length,
      granted: count(["APPROVED", "ACTIVE", "COMPLETED"]),
      revoked: count(["REVOKED"]),
      denied: count(["DENIED"]),
      cancelled: count(["CANCELLED"]),
      expired: count(["EXPIRED"]),
      failed: count(["FAILED"]),
      pending: count(["PENDING"]),
      selfService: of.filter((r) => r.requiredApprovals === 0 && r.decidedAt && !r.breakGlass).length,
      breakGlass: of.filter((r) => r.breakGlass).length,
    });
  }

  const approved = inWindow.filter((r) => r.requiredApprovals > 0 && r.decidedAt && r.status !== "DENIED");
  const waited = (r: Row) => (r.decidedAt!.getTime() - r.createdAt.getTime()) / 1000;
  const approvedDays = [...new Set(approved.map((r) => dayText(r.createdAt)))].sort();

  const elevation = (r: Row, g: Row["grants"][number]) => {
    const at = g.createVerifiedAt ?? g.startsAt;
    return {
      requestId: r.id,
      requesterEmail: names.emailByUserId.get(g.userId) ?? null,
      accountName: names.accountName.get(g.accountId) ?? g.accountId,
      permissionSetName: names.setName.get(g.permissionSetArn) ?? g.permissionSetArn,
      at,
      local: localParts(at, input.tz).text,
    };
  };
  const newestFirst = (a: { at: Date; id: string }, b: { at: Date; id: string }) =>
    b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : -1);

  const active = rows
    .filter((r) => matches(r, false))
    .flatMap((r) => r.grants.filter((g) => g.status === "ACTIVE" && targetMatches(g)).map((g) => ({ r, g })));
  const activeSorted = [...active].sort((a, b) => {
    const x = a.g.createVerifiedAt;
    const y = b.g.createVerifiedAt;
    if (!x || !y) return x === y ? (a.g.id < b.g.id ? 1 : -1) : x ? -1 : 1;
    return newestFirst({ at: x, id: a.g.id }, { at: y, id: b.g.id });
  });

  const started = inWindow.flatMap((r) =>
    r.grants.filter((g) => g.createVerifiedAt && targetMatches(g)).map((g) => ({ r, g })),
  );
  const outside = started.filter(({ g }) => {
    const local = localParts(g.createVerifiedAt!, input.tz);
    const [fromH, fromM] = input.hoursFrom.split(":").map(Number) as [number, number];
    const [toH, toM] = input.hoursTo.split(":").map(Number) as [number, number];
    return !(
      input.days.includes(local.isoDay) &&
      local.minutes >= fromH * 60 + fromM &&
      local.minutes < toH * 60 + toM
    );
  });

  const approvals = inWindow.flatMap((r) =>
    r.decisions
      .filter((d) => d.decision === "APPROVE")
      .map((d) => ({ r, d, ms: d.createdAt.getTime() - r.createdAt.getTime() })),
  );
  const fast = approvals.filter((a) => a.ms < input.fast * 1000);

  return {
    window: { from, to, defaulted: !input.from && !input.to },
    settings: { fast: input.fast, hoursFrom: input.hoursFrom, hoursTo: input.hoursTo, days: input.days, tz: input.tz },
    perDay: days,
    totals: {
      requests: inWindow.length,
      selfService: days.reduce((n, d) => n + d.selfService, 0),
      breakGlass: days.reduce((n, d) => n + d.breakGlass, 0),
    },
    timeToApprove: {
      p50Seconds: percentile(approved.map(waited), 0.5),
      p90Seconds: percentile(approved.map(waited), 0.9),
      approved: approved.length,
      perDay: approvedDays.map((day) => {
        const values = approved.filter((r) => dayText(r.createdAt) === day).map(waited);
        return { day, p50: percentile(values, 0.5), p90: percentile(values, 0.9) };
      }),
    },
    activeNow: { count: active.length, items: activeSorted.slice(0, 20).map(({ r, g }) => elevation(r, g)) },
    top: {
      accounts: rank(
        inWindow.flatMap((r) => r.targets.map((t) => t.accountId)),
        (k) => names.accountName.get(k),
      ),
      permissionSets: rank(
        inWindow.flatMap((r) => r.targets.map((t) => t.permissionSetArn)),
        (k) => names.setName.get(k),
      ),
      requesters: rank(
        inWindow.map((r) => r.requesterId),
        (k) => names.emailByUserId.get(k),
      ),
    },
    offHours: {
      count: outside.length,
      started: started.length,
      items: outside
        .sort((a, b) =>
          newestFirst({ at: a.g.createVerifiedAt!, id: a.g.id }, { at: b.g.createVerifiedAt!, id: b.g.id }),
        )
        .slice(0, 20)
        .map(({ r, g }) => elevation(r, g)),
    },
    fastApprovals: {
      count: fast.length,
      approvals: approvals.length,
      byApprover: rank(
        fast.map((a) => a.d.approverId),
        (k) => names.emailByUserId.get(k),
      ),
      items: fast
        .sort((a, b) => newestFirst({ at: a.d.createdAt, id: a.d.id }, { at: b.d.createdAt, id: b.d.id }))
        .slice(0, 20)
        .map(({ r, d, ms }) => ({
          requestId: r.id,
          approverEmail: names.emailByUserId.get(d.approverId) ?? null,
          requesterEmail: names.emailByUserId.get(r.requesterId) ?? null,
          seconds: ms / 1000,
          at: d.createdAt,
        })),
    },
  };
}

interface Names {
  userIdByEmail: Map<string, string>;
  emailByUserId: Map<string, string>;
  accountName: Map<string, string>;
  setName: Map<string, string>;
  ouIdsByAccount: Map<string, string[]>;
}

async function loadNames(): Promise<Names> {
  const users = await db.prisma.user.findMany({ select: { id: true, email: true } });
  return {
    userIdByEmail: new Map(users.map((u) => [u.email!, u.id])),
    emailByUserId: new Map(users.map((u) => [u.id, u.email!])),
    accountName: new Map(ACCOUNTS.map((a) => [a.id, a.name])),
    setName: new Map(SETS.map((s) => [s.arn, s.name])),
    ouIdsByAccount: new Map(ACCOUNTS.map((a) => [a.id, a.ouIds])),
  };
}

const CASES: [string, Record<string, unknown>][] = [
  ["the default window (30 days back from today)", {}],
  ["a whole range of UTC days", { from: "2025-03-22", to: "2025-04-13" }],
  ["a single day, its first and last millisecond included", { from: "2025-03-25", to: "2025-03-25" }],
  ["date-time bounds inside days", { from: "2025-03-24T23:59:59.999Z", to: "2025-04-03T00:00:00Z" }],
  ["an open end", { from: "2025-03-30" }],
  ["a range with nothing in it", { from: "2024-01-01", to: "2024-01-31" }],
  ["an account", { from: "2025-03-20", account: ACCOUNTS[0]!.id }],
  ["an account gone from the inventory", { from: "2025-03-20", account: GONE_ACCOUNT }],
  ["an OU and a permission set on the same target", { from: "2025-03-20", ou: OU_A, permissionSet: SET_ARN("power") }],
  ["statuses", { from: "2025-03-20", status: "DENIED,REVOKED,PENDING" }],
  ["a requester", { from: "2025-03-20", requester: "person2@example.com" }],
  ["break-glass only", { from: "2025-03-20", kind: "break-glass" }],
  ["Paris business hours across the change of time", { from: "2025-03-27", to: "2025-04-02", tz: "Europe/Paris" }],
  [
    "New York evenings, every day, to midnight",
    { from: "2025-03-20", tz: "America/New_York", hoursFrom: "20:00", hoursTo: "24:00", days: "1-7" },
  ],
  ["Tokyo weekends only, a short fast threshold", { from: "2025-03-20", tz: "Asia/Tokyo", days: "6,7", fast: "3" }],
  ["a long fast threshold", { from: "2025-03-20", fast: "3600", hoursFrom: "00:00", hoursTo: "00:01" }],
];

describe("insights equal a plain computation over every row", () => {
  it.each(CASES)("%s", async (_name, input) => {
    const [rows, names] = await Promise.all([loadRows(), loadNames()]);
    const expected = reference(rows, input, names);
    const actual = await getHistoryInsights({ ctx: ctx(), input });
    expect(actual).toEqual(expected);
  });

  it("has data where the edge cases need it", async () => {
    const insights = await getHistoryInsights({ ctx: ctx(), input: { from: "2025-03-20", tz: "Europe/Paris" } });
    expect(insights.totals.requests).toBeGreaterThan(100);
    expect(insights.offHours.count).toBeGreaterThan(0);
    expect(insights.offHours.started).toBeGreaterThan(insights.offHours.count);
    expect(insights.fastApprovals.count).toBeGreaterThan(0);
    expect(insights.activeNow.count).toBeGreaterThan(20);
    expect(insights.top.accounts.some((a) => a.label === GONE_ACCOUNT)).toBe(true);
  });
});
