import { randomUUID } from "node:crypto";
import pg from "pg";
import { DEMO_SEED } from "../../lib/simulator/seed";
import { seedHistory, type SeedHistoryResult } from "./history-seed";

// The large organization `npm run bench:web` serves: the audit bench's history, then accounts in a nested OU tree,
// permission sets, pending requests routed to the demo approvers and live grants, written in bulk (unnest arrays).

export interface WebSeedOptions {
  databaseUrl: string;
  /** The active policy's row: requests name the version they were made under, and routing reads it. */
  policyId: string;
  events: number;
  accounts: number;
  permissionSets: number;
  pendingRequests: number;
  activeGrants: number;
  log?: (line: string) => void;
}

export interface WebSeedResult {
  history: SeedHistoryResult;
  accounts: number;
  permissionSets: number;
  pendingRequests: number;
  activeGrants: number;
}

const HOUR_MS = 3_600_000;
const BUSINESS_UNITS = ["retail", "wholesale", "finance", "platform", "research"];
const TEAMS_PER_UNIT = 5;
const STAGES = ["prod", "staging", "dev", "test"];

/** Rows of one column each, for `unnest($1::text[], …)`. */
function columns<T>(rows: readonly T[], getters: ((row: T) => unknown)[]): unknown[][] {
  return getters.map((get) => rows.map(get));
}

/** Accounts under Root/Workloads/<unit>/<team>/<stage>, four levels deep, as a large AWS Organization nests them. */
export function nestedAccounts(count: number, firstIndex: number) {
  const rows: { id: string; name: string; ouPath: string; ouIds: string[] }[] = [];
  for (let i = 0; i < count; i++) {
    const n = firstIndex + i;
    const unit = BUSINESS_UNITS[n % BUSINESS_UNITS.length]!;
    const team = `${unit}-team-${Math.floor(n / BUSINESS_UNITS.length) % TEAMS_PER_UNIT}`;
    const stage = STAGES[Math.floor(n / (BUSINESS_UNITS.length * TEAMS_PER_UNIT)) % STAGES.length]!;
    rows.push({
      id: String(600_000_000_000 + n * 7_919).padStart(12, "0"),
      name: `${team}-${stage}-${n}`,
      ouPath: `Root/Workloads/${unit}/${team}/${stage}`,
      ouIds: ["r-web", "ou-web-workloads", `ou-web-${unit}`, `ou-web-${team}`, `ou-web-${team}-${stage}`],
    });
  }
  return rows;
}

/** Pending requests the demo policy routes to the approvers group (payments PowerUser, data ReadOnly/PowerUser). */
const ROUTED_TARGETS = [
  { team: "payments", accountId: "210987654321", permissionSet: "PowerUser", rule: "payments-engineers-power-user" },
  { team: "payments", accountId: "320198765432", permissionSet: "PowerUser", rule: "payments-engineers-power-user" },
  { team: "data", accountId: "430219876543", permissionSet: "ReadOnly", rule: "data-engineers" },
  { team: "data", accountId: "540321987654", permissionSet: "PowerUser", rule: "data-engineers" },
] as const;

export async function seedWebOrganization(options: WebSeedOptions): Promise<WebSeedResult> {
  const log = options.log ?? (() => undefined);
  const history = await seedHistory({ databaseUrl: options.databaseUrl, events: options.events, log });
  const client = new pg.Client({ connectionString: options.databaseUrl, options: "-c synchronous_commit=off" });
  await client.connect();
  try {
    const count = async (table: string) =>
      Number((await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${table}"`)).rows[0]!.n);
    const accountsBefore = await count("AwsAccount");
    const extraAccounts = nestedAccounts(Math.max(0, options.accounts - accountsBefore), accountsBefore);
    await client.query(
      `INSERT INTO "AwsAccount" (id, name, "ouPath", "ouIds", status, "syncedAt")
       SELECT a.id, a.name, a.path, string_to_array(a.ous, ','), 'ACTIVE', now() FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS a(id, name, path, ous)
       ON CONFLICT (id) DO NOTHING`,
      columns(extraAccounts, [(a) => a.id, (a) => a.name, (a) => a.ouPath, (a) => a.ouIds.join(",")]),
    );
    const setsBefore = await count("PermissionSet");
    const extraSets = Array.from({ length: Math.max(0, options.permissionSets - setsBefore) }, (_, i) => ({
      arn: `arn:aws:sso:::permissionSet/ssoins-5eed000000000000/ps-web${String(i).padStart(12, "0")}`,
      name: `Workload${String(i).padStart(3, "0")}Access`,
    }));
    await client.query(
      `INSERT INTO "PermissionSet" (arn, name, description, "sessionDuration", "sessionDurationMinutes", "syncedAt")
       SELECT p.arn, p.name, 'Seeded for the web benchmark', 'PT1H', 60, now() FROM unnest($1::text[], $2::text[]) AS p(arn, name)
       ON CONFLICT (arn) DO NOTHING`,
      columns(extraSets, [(p) => p.arn, (p) => p.name]),
    );

    const setArn = new Map(DEMO_SEED.permissionSets.map((p) => [p.name, p.arn]));
    const requesters = (
      await client.query<{ id: string; groups: string[]; principal: string | null }>(
        `SELECT id, "idpGroups" AS groups, "identityStoreUserId" AS principal FROM "User" WHERE email LIKE '%+requester@seed.example.com' ORDER BY id`,
      )
    ).rows;
    const byTeam = (team: string) => requesters.filter((u) => u.groups.includes(`team-${team}`));
    const now = Date.now();
    const requests: unknown[][] = [];
    const targets: unknown[][] = [];
    const grants: unknown[][] = [];
    for (let i = 0; i < options.pendingRequests; i++) {
      const routed = ROUTED_TARGETS[i % ROUTED_TARGETS.length]!;
      const team = byTeam(routed.team);
      const requester = team[i % team.length] ?? requesters[i % requesters.length]!;
      const createdAt = now - ((i * 37) % 20) * HOUR_MS - i * 1_000;
      const id = `webpend${i.toString(36).padStart(6, "0")}${randomUUID().slice(0, 8)}`;
      requests.push([
        id,
        requester.id,
        "PENDING",
        `Investigate the ${routed.team} incident INC-${10_000 + i}`,
        routed.team === "payments" ? `PAY-${1_000 + i}` : null,
        60,
        createdAt,
        createdAt + HOUR_MS,
        1,
        240,
        createdAt + 24 * HOUR_MS,
        routed.rule,
        createdAt,
      ]);
      targets.push([`${id}t`, id, routed.accountId, setArn.get(routed.permissionSet)!]);
    }
    const accountIds = (await client.query<{ id: string }>(`SELECT id FROM "AwsAccount" ORDER BY id`)).rows;
    const setArns = (await client.query<{ arn: string }>(`SELECT arn FROM "PermissionSet" ORDER BY arn`)).rows;
    for (let i = 0; i < options.activeGrants; i++) {
      const requester = requesters[(i * 7) % requesters.length]!;
      const createdAt = now - ((i * 13) % 50) * 60_000 - 60_000;
      const id = `webgrant${i.toString(36).padStart(6, "0")}${randomUUID().slice(0, 8)}`;
      const accountId = accountIds[(i * 17) % accountIds.length]!.id;
      const arn = setArns[(i * 11) % setArns.length]!.arn;
      requests.push([
        id,
        requester.id,
        "ACTIVE",
        `Operate workload ${i} during the release`,
        null,
        120,
        createdAt,
        createdAt + 2 * HOUR_MS,
        0,
        240,
        null,
        "sandbox-self-service",
        createdAt,
      ]);
      targets.push([`${id}t`, id, accountId, arn]);
      grants.push([
        `${id}g`,
        id,
        `${id}t`,
        requester.id,
        accountId,
        arn,
        requester.principal,
        createdAt,
        createdAt + 2 * HOUR_MS,
      ]);
    }
    const ts = (ms: unknown) => (ms === null ? null : new Date(ms as number).toISOString());
    await client.query("BEGIN");
    await client.query(
      `INSERT INTO "AccessRequest" (id, "requesterId", status, justification, ticket, "durationMinutes", "startsAt", "endsAt", "requiredApprovals", "maxDurationMinutes", "approvalExpiresAt", "matchedRuleId", "createdAt", "updatedAt", "extensionAllowed", "policyId")
       SELECT r.*, r.created, true, $14 FROM unnest($1::text[], $2::text[], $3::"RequestStatus"[], $4::text[], $5::text[], $6::int[], $7::timestamp(3)[], $8::timestamp(3)[], $9::int[], $10::int[], $11::timestamp(3)[], $12::text[], $13::timestamp(3)[])
         AS r(id, requester, status, justification, ticket, minutes, starts, ends, required, max, expires, rule, created)`,
      [
        ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((c) =>
          requests.map((row) => ([6, 7, 10, 12].includes(c) ? ts(row[c]) : row[c])),
        ),
        options.policyId,
      ],
    );
    await client.query(
      `INSERT INTO "RequestTarget" (id, "requestId", "accountId", "permissionSetArn") SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])`,
      [0, 1, 2, 3].map((c) => targets.map((row) => row[c])),
    );
    await client.query(
      `INSERT INTO "Grant" (id, "requestId", "targetId", "userId", "accountId", "permissionSetArn", "principalId", status, "startsAt", "endsAt", "createVerifiedAt", "createdAt", "updatedAt")
       SELECT g.id, g.request, g.target, g.user, g.account, g.arn, g.principal, 'ACTIVE', g.starts, g.ends, g.starts, g.starts, g.starts
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamp(3)[], $9::timestamp(3)[])
         AS g(id, request, target, "user", account, arn, principal, starts, ends)`,
      [0, 1, 2, 3, 4, 5, 6, 7, 8].map((c) => grants.map((row) => (c >= 7 ? ts(row[c]) : row[c]))),
    );
    await client.query("COMMIT");
    await client.query(`ANALYZE "AccessRequest", "RequestTarget", "Grant", "AwsAccount", "PermissionSet"`);
    return {
      history,
      accounts: await count("AwsAccount"),
      permissionSets: await count("PermissionSet"),
      pendingRequests: Number(
        (await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM "AccessRequest" WHERE status = 'PENDING'`))
          .rows[0]!.n,
      ),
      activeGrants: Number(
        (await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM "Grant" WHERE status = 'ACTIVE'`)).rows[0]!
          .n,
      ),
    };
  } finally {
    await client.end();
  }
}

/** A few requests of one signed-in persona (one of them live), so my-requests and the request page have their own rows. */
export async function seedPersonaRequests(
  databaseUrl: string,
  policyId: string,
  email: string,
  count: number,
): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const user = (await client.query<{ id: string }>(`SELECT id FROM "User" WHERE email = $1`, [email])).rows[0];
    if (!user) throw new Error(`${email} has not signed in`);
    const powerUser = DEMO_SEED.permissionSets.find((p) => p.name === "PowerUser")!.arn;
    const now = Date.now();
    let detailId = "";
    for (let i = 0; i < count; i++) {
      const id = `webmine${i.toString(36).padStart(4, "0")}${randomUUID().slice(0, 8)}`;
      const createdAt = new Date(now - i * HOUR_MS);
      const status = i === 0 ? "PENDING" : "COMPLETED";
      await client.query(
        `INSERT INTO "AccessRequest" (id, "requesterId", status, justification, "durationMinutes", "startsAt", "endsAt", "requiredApprovals", "maxDurationMinutes", "matchedRuleId", "createdAt", "updatedAt", "approvalExpiresAt", "policyId")
         VALUES ($1, $2, $3, $4, 60, $5, $6, 1, 240, 'payments-engineers-power-user', $5, $5, $7, $8)`,
        [
          id,
          user.id,
          status,
          `Restart the checkout workers for PAY-${100 + i}`,
          createdAt,
          new Date(createdAt.getTime() + HOUR_MS),
          new Date(createdAt.getTime() + 24 * HOUR_MS),
          policyId,
        ],
      );
      await client.query(
        `INSERT INTO "RequestTarget" (id, "requestId", "accountId", "permissionSetArn") VALUES ($1, $2, '210987654321', $3)`,
        [`${id}t`, id, powerUser],
      );
      if (i === 0) detailId = id;
    }
    return detailId;
  } finally {
    await client.end();
  }
}
