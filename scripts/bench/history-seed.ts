import { randomUUID } from "node:crypto";
import pg from "pg";
import { chainHash, GENESIS_HASH, type ChainedEventFields } from "../../lib/audit/chain";

// Fills a database with a realistic access history whose audit chain verifies: the chain is computed here in
// time order and written in bulk (unnest arrays), with explicit seq values so batches can be inserted in parallel.

export interface SeedHistoryOptions {
  databaseUrl: string;
  /** Roughly how many audit events to write (the request count is derived from it). */
  events: number;
  /** Days of history ending at `now`. */
  days?: number;
  seed?: number;
  now?: Date;
  batchSize?: number;
  /** On an empty audit table, build its secondary indexes once at the end instead of row by row (default true). */
  deferIndexes?: boolean;
  log?: (line: string) => void;
}

export interface SeedHistoryResult {
  users: number;
  accounts: number;
  permissionSets: number;
  requests: number;
  grants: number;
  decisions: number;
  events: number;
  lastSeq: bigint;
  lastHash: string;
  seconds: number;
}

// Same key as emitAudit's advisory lock: live writers wait while the seed extends the chain.
const AUDIT_CHAIN_LOCK = 7_419_001;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

// ---------- deterministic randomness ----------

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Rng = () => number;

const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
const chance = (rng: Rng, p: number) => rng() < p;
const between = (rng: Rng, lo: number, hi: number) => lo + rng() * (hi - lo);
function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** Zipf-like weights so a few people, accounts and permission sets dominate, as they do in practice. */
function weightedPicker<T>(items: readonly T[], exponent: number) {
  const cumulative: number[] = [];
  let total = 0;
  items.forEach((_, i) => cumulative.push((total += 1 / Math.pow(i + 1, exponent))));
  return (rng: Rng): T => {
    const x = rng() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return items[lo]!;
  };
}

// ---------- the organisation ----------

interface SeedUser {
  id: string;
  email: string;
  name: string;
  roles: string[];
  groups: string[];
  ip: string;
  userAgent: string;
  principalId: string;
}

interface SeedAccount {
  id: string;
  name: string;
  ouPath: string;
  ouIds: string[];
  team: string;
  sandbox: boolean;
}

interface SeedPermissionSet {
  arn: string;
  name: string;
  readOnly: boolean;
  minutes: number;
}

const FIRST = [
  "ada",
  "alan",
  "grace",
  "linus",
  "margaret",
  "ken",
  "barbara",
  "dennis",
  "frances",
  "edsger",
  "radia",
  "tim",
  "hedy",
  "john",
  "sophie",
  "guido",
  "anita",
  "donald",
  "katherine",
  "bjarne",
];
const LAST = [
  "lovelace",
  "turing",
  "hopper",
  "torvalds",
  "hamilton",
  "thompson",
  "liskov",
  "ritchie",
  "allen",
  "dijkstra",
  "perlman",
  "berners",
  "lamarr",
  "mccarthy",
  "wilson",
  "rossum",
  "borg",
  "knuth",
  "johnson",
  "stroustrup",
];
const AGENTS = [
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
];
const TEAMS = ["payments", "data", "platform", "identity", "ml", "search"];
const PERMISSION_SETS: readonly Omit<SeedPermissionSet, "arn">[] = [
  { name: "ReadOnly", readOnly: true, minutes: 60 },
  { name: "PowerUser", readOnly: false, minutes: 240 },
  { name: "ViewOnly", readOnly: true, minutes: 60 },
  { name: "DatabaseAdmin", readOnly: false, minutes: 120 },
  { name: "AdministratorAccess", readOnly: false, minutes: 60 },
  { name: "SecurityAudit", readOnly: true, minutes: 480 },
  { name: "SupportUser", readOnly: false, minutes: 120 },
  { name: "NetworkAdmin", readOnly: false, minutes: 120 },
  { name: "DataScientist", readOnly: false, minutes: 480 },
  { name: "IncidentResponder", readOnly: false, minutes: 240 },
  { name: "Billing", readOnly: true, minutes: 60 },
  { name: "S3ReadWrite", readOnly: false, minutes: 240 },
];
const WORK = [
  "Investigate elevated 5xx rates on {svc} after deploy {n}",
  "Rotate {svc} credentials as planned in {ticket}",
  "Debug a failed schema migration in {svc}",
  "Restart stuck {svc} workers during incident {inc}",
  "Collect evidence for the quarterly access review of {svc}",
  "Apply the hotfix for the {svc} memory leak",
  "Check CloudTrail for unexpected {svc} API calls",
  "Resize the {svc} database before the sales event",
  "Clean up orphaned {svc} snapshots, 50% of the bill",
  "Verify the {svc} backup restore drill",
  "Tune autoscaling for {svc} after the load test",
  'Inspect the {svc} dead-letter queue ("poison" messages)',
];
const SERVICES = [
  "checkout",
  "ledger",
  "kafka",
  "etl",
  "auth",
  "search-api",
  "feature-store",
  "billing",
  "notifications",
  "gateway",
];
const COMMENTS = [
  "ok",
  "Approved, keep it short",
  "Go ahead",
  "LGTM",
  "Approved for the incident",
  "Fine, ticket checked",
  null,
  null,
  null,
];
const DENIALS = [
  "Use the read-only set for this",
  "No ticket, please open one",
  "Not during the change freeze",
  "Ask your team lead first",
];

function idMaker(prefix: string, rng: Rng) {
  let counter = 0;
  return () =>
    `${prefix}${(counter++).toString(36).padStart(6, "0")}${Math.floor(rng() * 36 ** 8)
      .toString(36)
      .padStart(8, "0")}`;
}

function buildOrganisation(rng: Rng, events: number) {
  const requesterCount = Math.max(40, Math.min(800, Math.round(events / 2_500)));
  const users: SeedUser[] = [];
  const person = (i: number, role: string, groups: string[]): SeedUser => {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
    const email = `${first}.${last}${i >= FIRST.length * LAST.length ? i : ""}+${role.toLowerCase()}@seed.example.com`;
    return {
      id: `seedu${i.toString(36).padStart(5, "0")}${role.slice(0, 3).toLowerCase()}`,
      email,
      name: `${first[0]!.toUpperCase()}${first.slice(1)} ${last[0]!.toUpperCase()}${last.slice(1)}`,
      roles: [role],
      groups,
      ip: `10.${20 + (i % 200)}.${Math.floor(rng() * 255)}.${Math.floor(rng() * 254) + 1}`,
      userAgent: pick(rng, AGENTS),
      principalId: randomUUID(),
    };
  };
  const requesters = Array.from({ length: requesterCount }, (_, i) =>
    person(i, "REQUESTER", ["engineering", `team-${TEAMS[i % TEAMS.length]}`]),
  );
  const approvers = Array.from({ length: 40 }, (_, i) => person(1_000 + i, "APPROVER", ["approvers"]));
  const auditors = Array.from({ length: 4 }, (_, i) => person(2_000 + i, "AUDITOR", ["security-auditors"]));
  const admins = Array.from({ length: 2 }, (_, i) => person(3_000 + i, "ADMIN", ["portal-admins", "approvers"]));
  users.push(...requesters, ...approvers, ...auditors, ...admins);

  const root = "r-seed";
  const workloads = "ou-seed-workloads";
  const accounts: SeedAccount[] = [];
  let n = 0;
  const accountId = () => `7${String(1_000_000_000 + n++ * 7_919).padStart(11, "0")}`;
  for (const team of TEAMS) {
    const teamOu = `ou-seed-${team}`;
    for (const stage of ["prod", "staging", "dev"]) {
      const count = stage === "prod" ? 6 : 4;
      for (let i = 0; i < count; i++) {
        accounts.push({
          id: accountId(),
          name: `${team}-${stage}${i ? `-${i + 1}` : ""}`,
          ouPath: `Root/Workloads/${team}/${stage}`,
          ouIds: [root, workloads, teamOu, `${teamOu}-${stage}`],
          team,
          sandbox: false,
        });
      }
    }
  }
  for (let i = 0; i < 12; i++)
    accounts.push({
      id: accountId(),
      name: `sandbox-${i + 1}`,
      ouPath: "Root/Sandbox",
      ouIds: [root, "ou-seed-sandbox"],
      team: pick(rng, TEAMS),
      sandbox: true,
    });
  for (const name of ["log-archive", "security-tooling", "network-hub", "shared-services"])
    accounts.push({
      id: accountId(),
      name,
      ouPath: "Root/Infrastructure",
      ouIds: [root, "ou-seed-infra"],
      team: "platform",
      sandbox: false,
    });

  const permissionSets: SeedPermissionSet[] = PERMISSION_SETS.map((ps, i) => ({
    ...ps,
    arn: `arn:aws:sso:::permissionSet/ssoins-5eed000000000000/ps-5eed${i.toString(16).padStart(12, "0")}`,
  }));
  // Three approvers who approve almost without reading: the rubber-stamp chart should find them.
  const hasty = new Set(approvers.slice(0, 3).map((a) => a.id));
  return { users, requesters, approvers, admins, accounts, permissionSets, hasty };
}

type Organisation = ReturnType<typeof buildOrganisation>;

// ---------- one request's life ----------

type Actor = { kind: "user"; user: SeedUser } | { kind: "system"; job: string };

interface PlannedEvent {
  at: number;
  actor: Actor;
  action: string;
  entityType: string;
  entityId: string;
  requestId: string;
  before: unknown;
  after: unknown;
  reason: string | null;
}

interface RequestRow {
  id: string;
  requesterId: string;
  status: string;
  justification: string;
  ticket: string | null;
  durationMinutes: number;
  startsAt: number;
  endsAt: number;
  requiredApprovals: number;
  maxDurationMinutes: number;
  extensionAllowed: boolean;
  extensionNeedsApproval: boolean;
  startedImmediately: boolean;
  approvalExpiresAt: number | null;
  matchedRuleId: string;
  version: number;
  createdAt: number;
  updatedAt: number;
  decidedAt: number | null;
  closedAt: number | null;
  closeReason: string | null;
}

interface TargetRow {
  id: string;
  requestId: string;
  accountId: string;
  permissionSetArn: string;
}

interface GrantRow {
  id: string;
  requestId: string;
  targetId: string;
  userId: string;
  accountId: string;
  permissionSetArn: string;
  principalId: string;
  status: string;
  startsAt: number;
  endsAt: number;
  createRequestId: string | null;
  createIssuedAt: number | null;
  createVerifiedAt: number | null;
  deleteRequestId: string | null;
  deleteIssuedAt: number | null;
  deleteVerifiedAt: number | null;
  failureReason: string | null;
  attempts: number;
  version: number;
  createdAt: number;
  updatedAt: number;
}

interface DecisionRow {
  id: string;
  requestId: string;
  approverId: string;
  decision: "APPROVE" | "DENY";
  comment: string | null;
  viaGroups: string[];
  createdAt: number;
}

interface Rows {
  request: RequestRow;
  targets: TargetRow[];
  grants: GrantRow[];
  decisions: DecisionRow[];
}

type Step = PlannedEvent & { apply?: (rows: Rows) => void };

interface Ids {
  request: () => string;
  target: () => string;
  grant: () => string;
  decision: () => string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Plans every event of one request from creation to completion; the caller keeps only what happened before `now`. */
function planRequest(
  rng: Rng,
  org: Organisation,
  ids: Ids,
  pickers: ReturnType<typeof makePickers>,
  createdAt: number,
): { rows: Rows; steps: Step[] } {
  const requester = pickers.requester(rng);
  const requestId = ids.request();
  const targetCount = chance(rng, 0.8) ? 1 : chance(rng, 0.75) ? 2 : 3;
  const chosen = new Map<string, { account: SeedAccount; ps: SeedPermissionSet }>();
  while (chosen.size < targetCount) {
    const account = pickers.account(rng);
    const ps = pickers.permissionSet(rng);
    chosen.set(`${account.id}|${ps.arn}`, { account, ps });
  }
  const targets = [...chosen.values()];
  const auto = targets.every((t) => t.account.sandbox || t.ps.readOnly) && chance(rng, 0.85);
  const maxDuration = auto ? 480 : 240;
  const durationMinutes = Math.min(maxDuration, pick(rng, [30, 60, 60, 120, 120, 240, 480]));
  const scheduled = chance(rng, 0.1);
  const team = targets[0]!.account.team;
  const ticket = chance(rng, 0.7)
    ? `${team === "payments" ? "PAY" : chance(rng, 0.5) ? "INC" : "OPS"}-${Math.floor(between(rng, 100, 99_999))}`
    : null;
  const svc = pick(rng, SERVICES);
  let justification = pick(rng, WORK)
    .replace("{svc}", svc)
    .replace("{n}", String(Math.floor(between(rng, 100, 9_999))))
    .replace("{ticket}", ticket ?? "the runbook")
    .replace("{inc}", `INC-${Math.floor(between(rng, 1_000, 99_999))}`);
  // A few values a spreadsheet would execute, as real free text sometimes does.
  if (chance(rng, 0.002))
    justification = pick(rng, [
      "=SUM(A1:A9) looks wrong in the cost report",
      "-- emergency: on-call rotation",
      "+1 to the rollback plan",
      "@ops please review the hotfix",
    ]);
  const requiredApprovals = auto ? 0 : chance(rng, 0.9) ? 1 : 2;
  let startsAt = scheduled ? createdAt + Math.floor(between(rng, 1, 48)) * 60 * MINUTE_MS : createdAt;
  let endsAt = startsAt + durationMinutes * MINUTE_MS;
  const request: RequestRow = {
    id: requestId,
    requesterId: requester.id,
    status: auto ? "APPROVED" : "PENDING",
    justification,
    ticket,
    durationMinutes,
    startsAt,
    endsAt,
    requiredApprovals,
    maxDurationMinutes: maxDuration,
    extensionAllowed: true,
    extensionNeedsApproval: !auto,
    startedImmediately: !scheduled,
    approvalExpiresAt: auto ? null : Math.min(createdAt + DAY_MS, endsAt),
    matchedRuleId: auto
      ? targets.every((t) => t.account.sandbox)
        ? "sandbox-self-service"
        : `${team}-read-only`
      : `${team}-elevated`,
    version: 0,
    createdAt,
    updatedAt: createdAt,
    decidedAt: auto ? createdAt : null,
    closedAt: null,
    closeReason: null,
  };
  const targetRows: TargetRow[] = targets.map((t) => ({
    id: ids.target(),
    requestId,
    accountId: t.account.id,
    permissionSetArn: t.ps.arn,
  }));
  const rows: Rows = { request, targets: targetRows, grants: [], decisions: [] };
  const steps: Step[] = [];
  const me: Actor = { kind: "user", user: requester };
  const step = (
    at: number,
    actor: Actor,
    action: string,
    fields: Partial<PlannedEvent> = {},
    apply?: (rows: Rows) => void,
  ) => {
    steps.push({
      at: Math.round(at),
      actor,
      action,
      entityType: "request",
      entityId: requestId,
      requestId,
      before: null,
      after: null,
      reason: null,
      ...fields,
      apply,
    });
  };
  const setRequest = (at: number, patch: Partial<RequestRow>) => (r: Rows) => {
    Object.assign(r.request, patch, { updatedAt: at, version: r.request.version + 1 });
  };

  step(createdAt, me, "request.created", {
    after: {
      status: request.status,
      targets: targets.map((t) => ({ accountId: t.account.id, accountName: t.account.name, permissionSet: t.ps.name })),
      startsAt: iso(startsAt),
      endsAt: iso(endsAt),
      ticket,
      rules: [request.matchedRuleId],
      requiredApprovals,
    },
    reason: justification,
  });
  let t = createdAt;
  if (auto) {
    step(t, me, "request.auto_approved", { after: { status: "APPROVED", rules: [request.matchedRuleId] } });
  } else {
    const roll = rng();
    if (chance(rng, 0.01)) {
      t += between(rng, 5_000, 60_000);
      step(t, me, "request.decision_refused", {
        after: { code: "SELF_APPROVAL", decision: "APPROVE" },
        reason: "requesters cannot decide their own requests",
      });
    }
    if (roll < 0.06) {
      t += between(rng, 60_000, 4 * 3_600_000);
      step(
        t,
        me,
        "request.cancelled",
        { before: { status: "PENDING" }, after: { status: "CANCELLED" } },
        setRequest(t, { status: "CANCELLED", closedAt: t, closeReason: "cancelled by the requester" }),
      );
      return { rows, steps };
    }
    if (roll < 0.1) {
      t = request.approvalExpiresAt!;
      step(
        t,
        { kind: "system", job: "request-expire-pending" },
        "request.expired",
        { before: { status: "PENDING" }, after: { status: "EXPIRED" } },
        setRequest(t, { status: "EXPIRED", closedAt: t, closeReason: "no decision in time" }),
      );
      return { rows, steps };
    }
    const deny = roll < 0.17;
    const deciders = new Set<SeedUser>();
    while (deciders.size < (deny ? 1 : requiredApprovals)) deciders.add(pickers.approver(rng));
    for (const approver of deciders) {
      const hasty = org.hasty.has(approver.id) && chance(rng, 0.6);
      const wait = hasty || chance(rng, 0.03) ? between(rng, 1_500, 9_500) : 240_000 * Math.exp(1.4 * normal(rng));
      // Decisions land before the approval window closes, as the decide verb insists.
      t = Math.min(t + wait, request.approvalExpiresAt! - MINUTE_MS);
      const decision = deny ? "DENY" : "APPROVE";
      const comment = deny ? pick(rng, DENIALS) : pick(rng, COMMENTS);
      const at = t;
      const viaGroups = approver.roles.includes("ADMIN") ? ["portal-admins"] : ["approvers"];
      step(
        at,
        { kind: "user", user: approver },
        deny ? "request.denial_given" : "request.approval_given",
        { after: { decision, viaGroups }, reason: comment },
        (r) => {
          r.decisions.push({
            id: ids.decision(),
            requestId,
            approverId: approver.id,
            decision,
            comment,
            viaGroups,
            createdAt: at,
          });
          Object.assign(r.request, { version: r.request.version + 1, updatedAt: at });
        },
      );
    }
    const lastApprover = [...deciders].at(-1)!;
    if (deny) {
      const reason = rows.decisions.at(-1)?.comment ?? "denied";
      step(
        t,
        { kind: "user", user: lastApprover },
        "request.denied",
        { before: { status: "PENDING" }, after: { status: "DENIED", approvals: 0, required: requiredApprovals } },
        setRequest(t, { status: "DENIED", decidedAt: t, closedAt: t, closeReason: reason }),
      );
      return { rows, steps };
    }
    // A "start now" request approved late still gets its whole duration.
    if (!scheduled || startsAt < t) {
      startsAt = Math.max(startsAt, t);
      endsAt = startsAt + durationMinutes * MINUTE_MS;
    }
    const window = { startsAt, endsAt };
    step(
      t,
      { kind: "user", user: lastApprover },
      "request.approved",
      {
        before: { status: "PENDING" },
        after: { status: "APPROVED", approvals: requiredApprovals, required: requiredApprovals },
      },
      setRequest(t, { status: "APPROVED", decidedAt: t, ...window }),
    );
  }
  const approvedAt = t;
  // Grants exist from approval on; activation runs at the window's start.
  step(approvedAt, me, "grant.scheduled", {}, (r) => {
    for (const target of r.targets) {
      const [accountId, permissionSetArn] = [target.accountId, target.permissionSetArn];
      r.grants.push({
        id: ids.grant(),
        requestId,
        targetId: target.id,
        userId: requester.id,
        accountId,
        permissionSetArn,
        principalId: requester.principalId,
        status: "SCHEDULED",
        startsAt,
        endsAt,
        createRequestId: null,
        createIssuedAt: null,
        createVerifiedAt: null,
        deleteRequestId: null,
        deleteIssuedAt: null,
        deleteVerifiedAt: null,
        failureReason: null,
        attempts: 0,
        version: 0,
        createdAt: approvedAt,
        updatedAt: approvedAt,
      });
    }
  });
  const grantIds = targetRows.map((_, i) => i);
  const grantStep = (
    i: number,
    at: number,
    job: string,
    action: string,
    fields: Partial<PlannedEvent>,
    patch: Partial<GrantRow>,
  ) => {
    step(at, { kind: "system", job }, action, { entityType: "grant", entityId: `#${i}`, ...fields }, (r) => {
      const grant = r.grants[i]!;
      Object.assign(grant, patch, { updatedAt: at, version: grant.version + 1 });
    });
  };
  const fail = targetRows.length === 1 && chance(rng, 0.015);
  let activeAt = 0;
  for (const i of grantIds) {
    let g = startsAt + between(rng, 200, 2_500);
    grantStep(
      i,
      g,
      "grant-activate",
      "grant.provisioning",
      {
        before: { status: "SCHEDULED" },
        after: { status: "PROVISIONING", principalId: requester.principalId, standingBefore: false },
      },
      { status: "PROVISIONING", attempts: 1 },
    );
    const createId = randomUUID();
    g += between(rng, 100, 600);
    grantStep(
      i,
      g,
      "grant-activate",
      "grant.create_issued",
      { after: { awsRequestId: createId } },
      { createRequestId: createId, createIssuedAt: g },
    );
    g += between(rng, 1_500, 9_000);
    if (fail) {
      const reason = pick(rng, [
        "ConflictException: another assignment operation is in progress",
        "AccessDeniedException: the portal role cannot assign this permission set",
        "ResourceNotFoundException: the permission set was deleted",
      ]);
      grantStep(
        i,
        g,
        "grant-activate",
        "grant.failed",
        { after: { status: "FAILED" }, reason },
        { status: "FAILED", failureReason: reason },
      );
      step(
        g,
        { kind: "system", job: "grant-activate" },
        "request.failed",
        { before: { status: "APPROVED" }, after: { status: "FAILED" } },
        setRequest(g, { status: "FAILED", closedAt: g, closeReason: reason }),
      );
      return { rows, steps };
    }
    const verifiedAt = g;
    grantStep(
      i,
      g,
      "grant-activate",
      "grant.activated",
      { before: { status: "PROVISIONING" }, after: { status: "ACTIVE", awsRequestId: createId } },
      { status: "ACTIVE", createVerifiedAt: verifiedAt },
    );
    activeAt = Math.max(activeAt, g);
  }
  step(
    activeAt,
    { kind: "system", job: "grant-activate" },
    "request.active",
    { before: { status: "APPROVED" }, after: { status: "ACTIVE" } },
    setRequest(activeAt, { status: "ACTIVE" }),
  );

  let end = endsAt;
  let finalStatus = "COMPLETED";
  const ending = rng();
  if (ending < 0.05) {
    const asked = activeAt + (end - activeAt) * between(rng, 0.5, 0.9);
    const extra = pick(rng, [30, 60, 120]);
    step(asked, me, "request.extension_requested", {
      after: { extraMinutes: extra, newEndsAt: iso(end + extra * MINUTE_MS) },
      reason: "The fix needs more time than planned",
    });
    let decided = asked;
    if (!auto) {
      decided = asked + between(rng, 20_000, 600_000);
      step(decided, { kind: "user", user: pickers.approver(rng) }, "request.extension_approved", {
        after: { extraMinutes: extra },
        reason: null,
      });
    }
    const before = end;
    end += extra * MINUTE_MS;
    const newEnd = end;
    step(decided, me, "request.extended", { before: { endsAt: iso(before) }, after: { endsAt: iso(newEnd) } }, (r) => {
      r.request.endsAt = newEnd;
      for (const grant of r.grants) grant.endsAt = newEnd;
    });
  } else if (ending < 0.2) {
    const releasedAt = activeAt + (end - activeAt) * between(rng, 0.1, 0.8);
    const was = end;
    end = releasedAt;
    step(
      releasedAt,
      me,
      "request.released",
      { before: { status: "ACTIVE", endsAt: iso(was) }, after: { endsAt: iso(releasedAt) } },
      (r) => {
        r.request.endsAt = releasedAt;
        for (const grant of r.grants) grant.endsAt = releasedAt;
      },
    );
  } else if (ending < 0.22) {
    const revokedAt = activeAt + (end - activeAt) * between(rng, 0.05, 0.5);
    end = revokedAt;
    finalStatus = "REVOKED";
    const revoker = chance(rng, 0.3) ? pick(rng, org.admins) : pickers.approver(rng);
    step(
      revokedAt,
      { kind: "user", user: revoker },
      "request.revoked",
      {
        before: { status: "ACTIVE" },
        after: { status: "REVOKED" },
        reason: pick(rng, [
          "Suspicious activity reported by GuardDuty",
          "Access no longer needed, incident closed",
          "Wrong account requested",
        ]),
      },
      (r) => {
        Object.assign(r.request, {
          status: "REVOKED",
          endsAt: revokedAt,
          closedAt: revokedAt,
          closeReason: "revoked",
          updatedAt: revokedAt,
          version: r.request.version + 1,
        });
        for (const grant of r.grants) grant.endsAt = revokedAt;
      },
    );
  }
  let removedAt = end;
  for (const i of grantIds) {
    let g = end + between(rng, 300, 4_000);
    grantStep(
      i,
      g,
      "grant-deactivate",
      "grant.removing",
      { before: { status: "ACTIVE" }, after: { status: "REMOVING" } },
      { status: "REMOVING" },
    );
    const deleteId = randomUUID();
    g += between(rng, 100, 600);
    grantStep(
      i,
      g,
      "grant-deactivate",
      "grant.delete_issued",
      { after: { awsRequestId: deleteId } },
      { deleteRequestId: deleteId, deleteIssuedAt: g },
    );
    g += between(rng, 1_500, 9_000);
    grantStep(
      i,
      g,
      "grant-deactivate",
      "grant.removed",
      { before: { status: "REMOVING" }, after: { status: "REMOVED", awsRequestId: deleteId, verified: true } },
      { status: "REMOVED", deleteVerifiedAt: g },
    );
    removedAt = Math.max(removedAt, g);
  }
  if (finalStatus === "COMPLETED")
    step(
      removedAt,
      { kind: "system", job: "grant-deactivate" },
      "request.completed",
      { before: { status: "ACTIVE" }, after: { status: "COMPLETED" } },
      setRequest(removedAt, { status: "COMPLETED", closedAt: removedAt, closeReason: "access ended" }),
    );
  return { rows, steps };
}

function makePickers(org: Organisation) {
  return {
    requester: weightedPicker(org.requesters, 0.9),
    approver: weightedPicker(org.approvers, 0.7),
    account: weightedPicker(org.accounts, 0.8),
    permissionSet: weightedPicker(org.permissionSets, 1.1),
  };
}

/** Request times over the span: weekdays and working hours dominate, with a tail at night and on weekends. */
function arrivalTimes(rng: Rng, count: number, start: number, end: number): Float64Array {
  const times = new Float64Array(count);
  const days = Math.max(1, Math.floor((end - start) / DAY_MS));
  for (let i = 0; i < count; i++) {
    for (;;) {
      const day = Math.floor(rng() * days);
      const dayStart = start + day * DAY_MS;
      const weekday = new Date(dayStart).getUTCDay();
      if ((weekday === 0 || weekday === 6) && !chance(rng, 0.2)) continue;
      const hour = chance(rng, 0.85) ? 13 + 2.6 * normal(rng) : rng() * 24;
      const at = dayStart + Math.min(Math.max(hour, 0), 23.999) * 3_600_000;
      if (at >= end) continue;
      times[i] = Math.floor(at);
      break;
    }
  }
  return times.sort();
}

// ---------- ordering and writing ----------

/** Min-heap of planned events by (time, planning order), so each request's events keep their relative order. */
class EventHeap {
  private items: { at: number; ord: number; event: PlannedEvent }[] = [];
  private ord = 0;
  get size() {
    return this.items.length;
  }
  peek() {
    return this.items[0];
  }
  push(event: PlannedEvent) {
    const items = this.items;
    items.push({ at: event.at, ord: this.ord++, event });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }
  pop(): PlannedEvent | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (!top || !last) return undefined;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.less(l, m)) m = l;
        if (r < items.length && this.less(r, m)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m]!, items[i]!];
        i = m;
      }
    }
    return top.event;
  }
  private less(a: number, b: number) {
    const x = this.items[a]!;
    const y = this.items[b]!;
    return x.at < y.at || (x.at === y.at && x.ord < y.ord);
  }
}

const ts = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace("T", " ").replace("Z", ""));

class Writer {
  private inflight = new Set<Promise<void>>();
  private failure: unknown = null;
  constructor(
    private pool: pg.Pool,
    private parallel: number,
  ) {}

  async run(sql: string, params: unknown[]) {
    if (this.failure) throw this.failure;
    while (this.inflight.size >= this.parallel) await Promise.race(this.inflight);
    if (this.failure) throw this.failure;
    const job: Promise<void> = this.pool
      .query(sql, params)
      .then(() => undefined)
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => this.inflight.delete(job));
    this.inflight.add(job);
  }

  async drain() {
    await Promise.all(this.inflight);
    if (this.failure) throw this.failure;
  }
}

const columns = <T>(rows: T[], pickers: ((row: T) => unknown)[]) => pickers.map((p) => rows.map(p));

async function rebuildIndexes(
  client: pg.PoolClient,
  indexes: { name: string; def: string }[],
  log: (line: string) => void,
) {
  if (indexes.length === 0) return;
  const started = Date.now();
  await client.query("SET maintenance_work_mem = '256MB'");
  for (const index of indexes) await client.query(index.def);
  log(`  rebuilt ${indexes.length} audit indexes in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Writes a realistic history with a valid audit chain; continues the existing chain if the table is not empty. */
export async function seedHistory(options: SeedHistoryOptions): Promise<SeedHistoryResult> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const rng = mulberry32(options.seed ?? 42);
  const now = (options.now ?? new Date()).getTime();
  const days = options.days ?? 365;
  const batchSize = options.batchSize ?? 5_000;
  const org = buildOrganisation(rng, options.events);
  const pickers = makePickers(org);
  const ids: Ids = {
    request: idMaker("cseedr", rng),
    target: idMaker("cseedt", rng),
    grant: idMaker("cseedg", rng),
    decision: idMaker("cseedd", rng),
  };

  // Estimate events per request with a throwaway planner, so the request count lands near the requested event count.
  const probeIds: Ids = {
    request: idMaker("x", rng),
    target: idMaker("x", rng),
    grant: idMaker("x", rng),
    decision: idMaker("x", rng),
  };
  const probeRng = mulberry32((options.seed ?? 42) + 1);
  let probeEvents = 0;
  const probes = 2_000;
  for (let i = 0; i < probes; i++)
    probeEvents += planRequest(probeRng, org, probeIds, pickers, now - 30 * DAY_MS).steps.filter(
      (s) => s.action !== "grant.scheduled",
    ).length;
  const requestCount = Math.max(1, Math.round(options.events / (probeEvents / probes)));
  const arrivals = arrivalTimes(rng, requestCount, now - days * DAY_MS, now - MINUTE_MS);

  // Asynchronous commit: a seed lost to a crash is simply run again.
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 3, options: "-c synchronous_commit=off" });
  const lock = await pool.connect();
  const writer = new Writer(pool, 2);
  const deferred: { name: string; def: string }[] = [];
  const result: SeedHistoryResult = {
    users: org.users.length,
    accounts: org.accounts.length,
    permissionSets: org.permissionSets.length,
    requests: 0,
    grants: 0,
    decisions: 0,
    events: 0,
    lastSeq: 0n,
    lastHash: GENESIS_HASH,
    seconds: 0,
  };
  try {
    await lock.query("SELECT pg_advisory_lock($1)", [AUDIT_CHAIN_LOCK]);
    const head = await lock.query<{ seq: string; hash: string }>(
      `SELECT seq::text, hash FROM "AuditEvent" ORDER BY seq DESC LIMIT 1`,
    );
    let prevHash = head.rows[0]?.hash ?? GENESIS_HASH;
    let seq = BigInt(head.rows[0]?.seq ?? "0");
    // Safe only while the table is empty and we hold the chain lock: nobody else writes or relies on these indexes yet.
    if (head.rows.length === 0 && options.deferIndexes !== false) {
      const indexes = await lock.query<{ name: string; def: string }>(
        `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'AuditEvent' AND indexname <> 'AuditEvent_pkey'`,
      );
      for (const index of indexes.rows) await lock.query(`DROP INDEX "${index.name.replaceAll('"', '""')}"`);
      deferred.push(...indexes.rows);
    }

    const userIds = new Map<string, string>();
    const inserted = await lock.query<{ id: string; email: string }>(
      `INSERT INTO "User" (id, email, name, roles, "idpGroups", "identityStoreUserId", "createdAt", "updatedAt")
       SELECT u.id, u.email, u.name, string_to_array(u.roles, ',')::"Role"[], string_to_array(u.groups, ','), u.principal, now(), now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(id, email, name, roles, groups, principal)
       ON CONFLICT (email) DO UPDATE SET "updatedAt" = now() RETURNING id, email`,
      columns(org.users, [
        (u) => u.id,
        (u) => u.email,
        (u) => u.name,
        (u) => u.roles.join(","),
        (u) => u.groups.join(","),
        (u) => u.principalId,
      ]),
    );
    for (const row of inserted.rows) userIds.set(row.email, row.id);
    // Re-seeding keeps the ids already in the database.
    for (const user of org.users) user.id = userIds.get(user.email) ?? user.id;
    await lock.query(
      `INSERT INTO "AwsAccount" (id, name, "ouPath", "ouIds", status, "syncedAt")
       SELECT a.id, a.name, a.path, string_to_array(a.ous, ','), 'ACTIVE', now() FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS a(id, name, path, ous)
       ON CONFLICT (id) DO NOTHING`,
      columns(org.accounts, [(a) => a.id, (a) => a.name, (a) => a.ouPath, (a) => a.ouIds.join(",")]),
    );
    await lock.query(
      `INSERT INTO "PermissionSet" (arn, name, description, "sessionDuration", "sessionDurationMinutes", "syncedAt")
       SELECT p.arn, p.name, 'Seeded history', 'PT' || (p.minutes / 60) || 'H', p.minutes, now() FROM unnest($1::text[], $2::text[], $3::int[]) AS p(arn, name, minutes)
       ON CONFLICT (arn) DO NOTHING`,
      columns(org.permissionSets, [(p) => p.arn, (p) => p.name, (p) => p.minutes]),
    );

    const heap = new EventHeap();
    let requests: Rows[] = [];
    let events: PlannedEvent[] = [];
    let lastReport = Date.now();

    const flushRows = async () => {
      if (requests.length === 0) return;
      const batch = requests;
      requests = [];
      const reqs = batch.map((b) => b.request);
      const targets = batch.flatMap((b) => b.targets);
      const decisions = batch.flatMap((b) => b.decisions);
      const grants = batch.flatMap((b) => b.grants);
      result.requests += reqs.length;
      result.decisions += decisions.length;
      result.grants += grants.length;
      // One statement per batch: foreign keys (target → request, grant → target) are checked at its end, when every row is there.
      await writer.run(
        `WITH r AS (
           INSERT INTO "AccessRequest" (id, "requesterId", status, justification, ticket, "durationMinutes", "startsAt", "endsAt", "requiredApprovals", "maxDurationMinutes", "extensionAllowed", "extensionNeedsApproval", "startedImmediately", "approvalExpiresAt", "matchedRuleId", version, "createdAt", "updatedAt", "decidedAt", "closedAt", "closeReason")
           SELECT * FROM unnest($1::text[], $2::text[], $3::"RequestStatus"[], $4::text[], $5::text[], $6::int[], $7::timestamp(3)[], $8::timestamp(3)[], $9::int[], $10::int[], $11::bool[], $12::bool[], $13::bool[], $14::timestamp(3)[], $15::text[], $16::int[], $17::timestamp(3)[], $18::timestamp(3)[], $19::timestamp(3)[], $20::timestamp(3)[], $21::text[])
           RETURNING 1
         ), t AS (
           INSERT INTO "RequestTarget" (id, "requestId", "accountId", "permissionSetArn") SELECT * FROM unnest($22::text[], $23::text[], $24::text[], $25::text[]) RETURNING 1
         ), d AS (
           INSERT INTO "ApprovalDecision" (id, "requestId", "approverId", decision, comment, "viaGroups", "createdAt")
           SELECT x.id, x.rid, x.aid, x.decision, x.comment, string_to_array(x.via, ','), x.at FROM unnest($26::text[], $27::text[], $28::text[], $29::"Decision"[], $30::text[], $31::text[], $32::timestamp(3)[]) AS x(id, rid, aid, decision, comment, via, at)
           RETURNING 1
         ), g AS (
           INSERT INTO "Grant" (id, "requestId", "targetId", "userId", "accountId", "permissionSetArn", "principalId", status, "startsAt", "endsAt", "createRequestId", "createIssuedAt", "createVerifiedAt", "deleteRequestId", "deleteIssuedAt", "deleteVerifiedAt", "failureReason", attempts, version, "createdAt", "updatedAt")
           SELECT * FROM unnest($33::text[], $34::text[], $35::text[], $36::text[], $37::text[], $38::text[], $39::text[], $40::"GrantStatus"[], $41::timestamp(3)[], $42::timestamp(3)[], $43::text[], $44::timestamp(3)[], $45::timestamp(3)[], $46::text[], $47::timestamp(3)[], $48::timestamp(3)[], $49::text[], $50::int[], $51::int[], $52::timestamp(3)[], $53::timestamp(3)[])
           RETURNING 1
         )
         SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM t), (SELECT count(*) FROM d), (SELECT count(*) FROM g)`,
        [
          ...columns(reqs, [
            (r) => r.id,
            (r) => r.requesterId,
            (r) => r.status,
            (r) => r.justification,
            (r) => r.ticket,
            (r) => r.durationMinutes,
            (r) => ts(r.startsAt),
            (r) => ts(r.endsAt),
            (r) => r.requiredApprovals,
            (r) => r.maxDurationMinutes,
            (r) => r.extensionAllowed,
            (r) => r.extensionNeedsApproval,
            (r) => r.startedImmediately,
            (r) => ts(r.approvalExpiresAt),
            (r) => r.matchedRuleId,
            (r) => r.version,
            (r) => ts(r.createdAt),
            (r) => ts(r.updatedAt),
            (r) => ts(r.decidedAt),
            (r) => ts(r.closedAt),
            (r) => r.closeReason,
          ]),
          ...columns(targets, [(t) => t.id, (t) => t.requestId, (t) => t.accountId, (t) => t.permissionSetArn]),
          ...columns(decisions, [
            (d) => d.id,
            (d) => d.requestId,
            (d) => d.approverId,
            (d) => d.decision,
            (d) => d.comment,
            (d) => d.viaGroups.join(","),
            (d) => ts(d.createdAt),
          ]),
          ...columns(grants, [
            (g) => g.id,
            (g) => g.requestId,
            (g) => g.targetId,
            (g) => g.userId,
            (g) => g.accountId,
            (g) => g.permissionSetArn,
            (g) => g.principalId,
            (g) => g.status,
            (g) => ts(g.startsAt),
            (g) => ts(g.endsAt),
            (g) => g.createRequestId,
            (g) => ts(g.createIssuedAt),
            (g) => ts(g.createVerifiedAt),
            (g) => g.deleteRequestId,
            (g) => ts(g.deleteIssuedAt),
            (g) => ts(g.deleteVerifiedAt),
            (g) => g.failureReason,
            (g) => g.attempts,
            (g) => g.version,
            (g) => ts(g.createdAt),
            (g) => ts(g.updatedAt),
          ]),
        ],
      );
    };

    const flushEvents = async () => {
      if (events.length === 0) return;
      const batch = events;
      events = [];
      const cols: unknown[][] = Array.from({ length: 17 }, () => new Array(batch.length));
      batch.forEach((e, i) => {
        const user = e.actor.kind === "user" ? e.actor.user : null;
        const fields: ChainedEventFields = {
          id: randomUUID(),
          occurredAt: new Date(e.at),
          actorType: user ? "USER" : "SYSTEM",
          actorId: user ? user.id : e.actor.kind === "system" ? e.actor.job : null,
          actorLabel: user ? user.email : `system:${(e.actor as { job: string }).job}`,
          action: e.action,
          entityType: e.entityType,
          entityId: e.entityId,
          requestId: e.requestId,
          before: e.before,
          after: e.after,
          reason: e.reason,
          ip: user ? user.ip : null,
          userAgent: user ? user.userAgent : null,
        };
        seq += 1n;
        const hash = chainHash(prevHash, fields);
        const values = [
          seq.toString(),
          fields.id,
          ts(e.at),
          fields.actorType,
          fields.actorId,
          fields.actorLabel,
          fields.action,
          fields.entityType,
          fields.entityId,
          fields.requestId,
          fields.before === null ? null : JSON.stringify(fields.before),
          fields.after === null ? null : JSON.stringify(fields.after),
          fields.reason,
          fields.ip,
          fields.userAgent,
          prevHash,
          hash,
        ];
        for (let c = 0; c < 17; c++) cols[c]![i] = values[c];
        prevHash = hash;
      });
      result.events += batch.length;
      await writer.run(
        `INSERT INTO "AuditEvent" (seq, id, "occurredAt", "actorType", "actorId", "actorLabel", action, "entityType", "entityId", "requestId", before, after, reason, ip, "userAgent", "prevHash", hash)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamp(3)[], $4::"ActorType"[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::jsonb[], $12::jsonb[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[])`,
        cols,
      );
      if (Date.now() - lastReport > 5_000) {
        lastReport = Date.now();
        log(
          `  ${result.events.toLocaleString("en-US")} events, ${result.requests.toLocaleString("en-US")} requests (${((Date.now() - started) / 1000).toFixed(0)} s)`,
        );
      }
    };

    const emitUntil = async (limit: number) => {
      while (heap.size > 0 && heap.peek()!.at <= limit) {
        events.push(heap.pop()!);
        if (events.length >= batchSize) await flushEvents();
      }
    };

    for (let i = 0; i < arrivals.length; i++) {
      const createdAt = arrivals[i]!;
      await emitUntil(createdAt - 1);
      const { rows, steps } = planRequest(rng, org, ids, pickers, createdAt);
      for (const s of steps) {
        // Planned order is not time order across targets, so later steps may still fall before now.
        if (s.at > now) continue;
        s.apply?.(rows);
        if (s.action === "grant.scheduled") continue;
        // Grant events name the grant's real id, known only once the grant row exists.
        if (s.entityType === "grant") s.entityId = rows.grants[Number(s.entityId.slice(1))]!.id;
        heap.push(s);
      }
      requests.push(rows);
      if (requests.length >= batchSize) await flushRows();
    }
    await emitUntil(now);
    await flushRows();
    await flushEvents();
    await writer.drain();
    await rebuildIndexes(lock, deferred.splice(0), log);
    await lock.query(
      `SELECT setval(pg_get_serial_sequence('"AuditEvent"', 'seq'), (SELECT coalesce(max(seq), 1) FROM "AuditEvent"))`,
    );
    await lock.query(
      `ANALYZE "AccessRequest", "RequestTarget", "ApprovalDecision", "Grant", "AuditEvent", "User", "AwsAccount", "PermissionSet"`,
    );
    result.lastSeq = seq;
    result.lastHash = prevHash;
  } finally {
    await writer.drain().catch(() => undefined);
    // A failed seed must not leave the audit table without its unique and lookup indexes.
    await rebuildIndexes(lock, deferred.splice(0), log).catch((error: unknown) =>
      log(`Could not rebuild audit indexes: ${String(error)}`),
    );
    await lock.query("SELECT pg_advisory_unlock($1)", [AUDIT_CHAIN_LOCK]).catch(() => undefined);
    lock.release();
    await writer.drain().catch(() => undefined);
    await pool.end();
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}
