import { ListAccountAliasesCommand } from "@aws-sdk/client-iam";
import { GetRoleCredentialsCommand, type RoleCredentials } from "@aws-sdk/client-sso";
import {
  CreateAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  ListAccountsForProvisionedPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
  type SSOAdminClient,
} from "@aws-sdk/client-sso-admin";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AwsPortError } from "../../aws/errors";
import {
  createIdentityCenterPort,
  type IdentityCenterPort,
  type SdkIdentityCenterPort,
} from "../../aws/identity-center-port";
import type { JobQueue } from "../../jobs/job-queue";
import { createPrismaClient, type PrismaClient } from "../../db";
import {
  INLINE_POLICY_MAX_NON_WHITESPACE_BYTES,
  measure,
  readPortalStatements,
  revocationSid,
} from "../../domain/session-revocation";
import { DEMO_SEED, seedAccount, seedPermissionSet, seedUser } from "../../simulator/seed";
import type { SimulatorHandle } from "../../simulator/server";
import { rejectionOf, sdkClients, startTestSimulator, userClients, waitUntil } from "../../simulator/testing";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { createPermissionSetLocks, SessionLocks } from "../../worker/pg-session-locks";
import { systemActor, type ServiceContext } from "../context";
import { deactivateGrant } from "../grants/deactivate-grant";
import { getAuditTimeline } from "../queries/audit-timeline";
import { reconcileSessionStatements } from "../reconcile/reconcile-session-statements";
import { RetryLater, type GrantDeps } from "../grants/grant-support";
import { applySessionRevocation } from "./apply-session-revocation";
import { cleanSessionRevocations } from "./clean-session-revocations";
import type { SessionRevocationDeps } from "./revocation-support";

const INSTANCE_ARN = DEMO_SEED.instanceArn;
const alice = seedUser("alice");
const bob = seedUser("bob");
const readOnly = seedPermissionSet("ReadOnly");
const paymentsProd = seedAccount("payments-prod");
const sandboxErin = seedAccount("sandbox-erin");
const HOUR = 3_600_000;
const CUSTOMER_POLICY = `{
  "Version": "2012-10-17",
  "Statement": [
    { "Sid": "CustomerS3Read",  "Effect": "Allow", "Action": ["s3:Get*"], "Resource": "*" },
    {"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}
  ]
}`;
const CUSTOMER_STATEMENTS = [
  `{ "Sid": "CustomerS3Read",  "Effect": "Allow", "Action": ["s3:Get*"], "Resource": "*" }`,
  `{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}`,
];

let db: TestDatabase;
let sim: SimulatorHandle;
let sso: SSOAdminClient;
let port: SdkIdentityCenterPort;
const prismas: PrismaClient[] = [];
const lockSessions: SessionLocks[] = [];
let clock: { now: Date };

function worker(overrides: Partial<SessionRevocationDeps> = {}) {
  const prisma = createPrismaClient(db.url);
  const locks = new SessionLocks(db.url, { log: () => {} });
  prismas.push(prisma);
  lockSessions.push(locks);
  const ctx: ServiceContext = { actor: systemActor("test-sessions"), db: prisma, now: () => clock.now };
  const deps: SessionRevocationDeps = {
    port,
    poll: { initialDelayMs: 10, maxDelayMs: 50, timeoutMs: 10_000 },
    locks: createPermissionSetLocks(locks),
    conflictDelayMs: 10,
    ...overrides,
  };
  return { ctx, deps };
}

const tuple = (identityStoreUserId: string, cutoff: Date) => ({
  permissionSetArn: readOnly.arn,
  accountId: paymentsProd.id,
  identityStoreUserId,
  cutoff,
});

async function assign(principalId: string, accountId = paymentsProd.id) {
  const started = await sso.send(
    new CreateAccountAssignmentCommand({
      InstanceArn: INSTANCE_ARN,
      TargetId: accountId,
      TargetType: "AWS_ACCOUNT",
      PermissionSetArn: readOnly.arn,
      PrincipalType: "USER",
      PrincipalId: principalId,
    }),
  );
  await waitUntil(
    () =>
      sso.send(
        new DescribeAccountAssignmentCreationStatusCommand({
          InstanceArn: INSTANCE_ARN,
          AccountAssignmentCreationRequestId: started.AccountAssignmentCreationStatus!.RequestId!,
        }),
      ),
    (output) => output.AccountAssignmentCreationStatus!.Status === "SUCCEEDED",
  );
}

const putCustomerPolicy = (text: string) =>
  sso.send(
    new PutInlinePolicyToPermissionSetCommand({
      InstanceArn: INSTANCE_ARN,
      PermissionSetArn: readOnly.arn,
      InlinePolicy: text,
    }),
  );
const policyText = () => port.getInlinePolicy(readOnly.arn);
const portalUsers = async () => {
  const read = readPortalStatements(await policyText());
  if (!read.ok) throw new Error(read.reason);
  return read.statements.map((statement) => statement.identityStoreUserId);
};
const calls = (operation: string) => sim.getState().counters.calls[operation] ?? 0;
const auditActions = (entityId: string) =>
  db.prisma.auditEvent
    .findMany({ where: { entityId }, orderBy: { seq: "asc" } })
    .then((events) => events.map((event) => ({ action: event.action, after: event.after })));

let users = 0;
/** A grant of ReadOnly on payments-prod, ACTIVE until `endsAt`, for a fresh portal user. */
async function insertGrant(
  principalId: string | null,
  endsAt: Date,
  identityStoreUserId = principalId,
  accountId = paymentsProd.id,
) {
  const user = await db.prisma.user.create({ data: { email: `user${users++}@example.com`, identityStoreUserId } });
  const request = await db.prisma.accessRequest.create({
    data: {
      requesterId: user.id,
      status: "ACTIVE",
      justification: "session revocation test",
      durationMinutes: 60,
      startsAt: new Date(endsAt.getTime() - HOUR),
      endsAt,
      requiredApprovals: 0,
    },
  });
  const target = await db.prisma.requestTarget.create({
    data: { requestId: request.id, accountId, permissionSetArn: readOnly.arn },
  });
  return db.prisma.grant.create({
    data: {
      requestId: request.id,
      targetId: target.id,
      userId: user.id,
      accountId,
      permissionSetArn: readOnly.arn,
      principalId,
      status: "ACTIVE",
      startsAt: new Date(endsAt.getTime() - HOUR),
      endsAt,
    },
  });
}

async function aliceSession(accountId = paymentsProd.id) {
  const token = await fetch(`${sim.url}/__sim/portal-tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId: alice.userId }),
  }).then((response) => response.json() as Promise<{ accessToken: string }>);
  const user = userClients(sim.url);
  const output = await user.portal.send(
    new GetRoleCredentialsCommand({
      accessToken: token.accessToken,
      accountId,
      roleName: readOnly.name,
    }),
  );
  const { accessKeyId, secretAccessKey, sessionToken } = output.roleCredentials as Required<RoleCredentials>;
  return () => user.iam({ accessKeyId, secretAccessKey, sessionToken }).send(new ListAccountAliasesCommand({}));
}

beforeAll(async () => {
  db = await createTestDatabase();
  sim = await startTestSimulator();
  sso = sdkClients(sim.url).ssoAdmin;
  port = createIdentityCenterPort({
    region: DEMO_SEED.region,
    instanceArn: INSTANCE_ARN,
    identityStoreId: DEMO_SEED.identityStoreId,
    endpoint: sim.url,
  });
});

beforeEach(async () => {
  sim.reset();
  clock = { now: new Date() };
  await db.prisma.sessionRevocation.deleteMany();
  await db.prisma.alert.deleteMany();
  await assign(alice.userId);
  await assign(bob.userId);
});

afterAll(async () => {
  for (const locks of lockSessions) await locks.close();
  for (const prisma of prismas) await prisma.$disconnect();
  port?.close();
  await sim?.close();
  await db?.drop();
});

describe("applySessionRevocation", () => {
  it("writes the deny, provisions it, and the user's session opened before the cutoff is then refused", async () => {
    const { ctx, deps } = worker();
    const listAliases = await aliceSession();
    expect((await listAliases()).AccountAliases).toEqual(["payments-prod"]);

    const result = await applySessionRevocation({ ctx, deps, input: tuple(alice.userId, new Date(Date.now() + 2000)) });
    expect(result.status).toBe("VERIFIED");
    expect(await portalUsers()).toEqual([alice.userId]);
    const stale = await sso.send(
      new ListAccountsForProvisionedPermissionSetCommand({
        InstanceArn: INSTANCE_ARN,
        PermissionSetArn: readOnly.arn,
        ProvisioningStatus: "LATEST_PERMISSION_SET_NOT_PROVISIONED",
      }),
    );
    expect(stale.AccountIds).toEqual([]);
    expect((await rejectionOf(listAliases())).name).toBe("AccessDenied");

    const row = await db.prisma.sessionRevocation.findUniqueOrThrow({ where: { id: result.revocationId } });
    // ReadOnly lasts PT1H: the statement may go an hour after the cutoff.
    expect(row.expiresAt.getTime() - row.cutoff.getTime()).toBe(HOUR);
    expect(row.provisionRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await auditActions(row.id)).toEqual([
      {
        action: "session.revocation_applied",
        after: expect.objectContaining({ awsRequestId: row.provisionRequestId, policyChanged: true }),
      },
      {
        action: "session.revocation_verified",
        after: expect.objectContaining({ awsRequestId: row.provisionRequestId }),
      },
    ]);
  });

  it("applied twice writes one statement and calls AWS no more the second time", async () => {
    const { ctx, deps } = worker();
    const input = tuple(alice.userId, new Date(Date.now() + 60_000));
    const first = await applySessionRevocation({ ctx, deps, input });
    const puts = calls("PutInlinePolicyToPermissionSet");
    const provisions = calls("ProvisionPermissionSet");
    const second = await applySessionRevocation({ ctx, deps, input });
    expect(second).toEqual(first);
    expect(calls("PutInlinePolicyToPermissionSet")).toBe(puts);
    expect(calls("ProvisionPermissionSet")).toBe(provisions);
    expect((await policyText())!.split(revocationSid(alice.userId, paymentsProd.id)).length - 1).toBe(1);
    expect(await db.prisma.sessionRevocation.count()).toBe(1);
  });

  it("merges a later revocation of the same user into their one statement, latest cutoff", async () => {
    const { ctx, deps } = worker();
    await applySessionRevocation({ ctx, deps, input: tuple(alice.userId, new Date(Date.now() + 60_000)) });
    const later = new Date(Math.ceil((Date.now() + 600_000) / 1000) * 1000);
    await applySessionRevocation({ ctx, deps, input: tuple(alice.userId, later) });
    const read = readPortalStatements(await policyText());
    expect(read).toEqual({
      ok: true,
      statements: [{ identityStoreUserId: alice.userId, accountId: paymentsProd.id, cutoff: later }],
    });
  });

  it("keeps the customer's statements byte for byte through apply and cleanup", async () => {
    await putCustomerPolicy(CUSTOMER_POLICY);
    const { ctx, deps } = worker();
    await applySessionRevocation({ ctx, deps, input: tuple(alice.userId, new Date(Date.now() + 60_000)) });
    await applySessionRevocation({ ctx, deps, input: tuple(bob.userId, new Date(Date.now() + 60_000)) });
    const withBoth = (await policyText())!;
    for (const statement of CUSTOMER_STATEMENTS) expect(withBoth).toContain(statement);
    expect(withBoth.indexOf(CUSTOMER_STATEMENTS[0]!)).toBeLessThan(withBoth.indexOf(CUSTOMER_STATEMENTS[1]!));

    clock.now = new Date(Date.now() + 3 * HOUR);
    expect(await cleanSessionRevocations({ ctx, deps })).toEqual({ cleaned: 2, skipped: [] });
    const cleaned = (await policyText())!;
    expect(cleaned).toBe(`{"Version":"2012-10-17","Statement":[${CUSTOMER_STATEMENTS.join(",")}]}`);
    expect(JSON.parse(cleaned)).toEqual(JSON.parse(CUSTOMER_POLICY));
  });

  it("two workers revoking two users on one permission set at once keep both statements", async () => {
    // The slow worker has read the policy when the fast one starts, and writes only once the fast one is done (or could
    // not get in): without the lock its stale edit would drop the fast one's statement.
    let slowHasRead!: () => void;
    const slowReading = new Promise<void>((resolve) => (slowHasRead = resolve));
    let fastDone!: () => void;
    const fastFinished = new Promise<void>((resolve) => (fastDone = resolve));
    const slowRead = {
      ...port,
      getInlinePolicy: async (arn: string) => {
        const text = await port.getInlinePolicy(arn);
        slowHasRead();
        await Promise.race([fastFinished, new Promise((resolve) => setTimeout(resolve, 2_000))]);
        return text;
      },
    };
    const slow = worker({ port: slowRead });
    const fast = worker();
    const cutoff = new Date(Date.now() + 60_000);
    const results = await Promise.all([
      applySessionRevocation({ ...slow, input: tuple(bob.userId, cutoff) }),
      slowReading.then(() =>
        applySessionRevocation({ ...fast, input: tuple(alice.userId, cutoff) }).finally(() => fastDone()),
      ),
    ]);
    expect(results.map((result) => result.status)).toEqual(["VERIFIED", "VERIFIED"]);
    expect((await portalUsers()).sort()).toEqual([alice.userId, bob.userId].sort());
  });

  it("100 users of one permission set ending together, on two workers: all denied, the policy within the size limit", async () => {
    const cutoff = new Date(Math.ceil((Date.now() + 60_000) / 1000) * 1000);
    const ids = Array.from({ length: 100 }, (_, i) => `${i.toString(16).padStart(8, "0")}-1111-2222-3333-444444444444`);
    const workers = [worker(), worker()];
    const results = await Promise.all(
      ids.map((id, i) => applySessionRevocation({ ...workers[i % 2]!, input: tuple(id, cutoff) })),
    );
    expect(results.every((result) => result.status === "VERIFIED")).toBe(true);
    expect((await portalUsers()).sort()).toEqual([...ids].sort());
    expect(measure((await policyText())!).nonWhitespaceBytes).toBeLessThanOrEqual(
      INLINE_POLICY_MAX_NON_WHITESPACE_BYTES,
    );
    // Later revocations ride on an earlier worker's provisioning when it already carried their statement.
    expect(calls("ProvisionPermissionSet")).toBeLessThanOrEqual(100);
  });

  it("re-reads and merges when a write conflicts", async () => {
    let conflicts = 1;
    const conflictingPort = {
      ...port,
      putInlinePolicy: async (arn: string, policy: string) => {
        if (conflicts-- > 0) {
          // Someone else's write lands first.
          await putCustomerPolicy(CUSTOMER_POLICY);
          throw new AwsPortError({ code: "CONFLICT", operation: "PutInlinePolicyToPermissionSet" });
        }
        return port.putInlinePolicy(arn, policy);
      },
    };
    const { ctx, deps } = worker({ port: conflictingPort });
    const result = await applySessionRevocation({
      ctx,
      deps,
      input: tuple(alice.userId, new Date(Date.now() + 60_000)),
    });
    expect(result.status).toBe("VERIFIED");
    const text = (await policyText())!;
    for (const statement of CUSTOMER_STATEMENTS) expect(text).toContain(statement);
    expect(await portalUsers()).toEqual([alice.userId]);
  });

  it("resumes after a worker died between the write and the provisioning", async () => {
    let dies = true;
    const dyingPort = {
      ...port,
      provisionPermissionSet: async (arn: string, accountId: string) => {
        if (dies) throw new Error("worker killed");
        return port.provisionPermissionSet(arn, accountId);
      },
    };
    const { ctx, deps } = worker({ port: dyingPort });
    const input = tuple(alice.userId, new Date(Date.now() + 60_000));
    await expect(applySessionRevocation({ ctx, deps, input })).rejects.toThrow();
    expect(await portalUsers()).toEqual([alice.userId]);
    dies = false;
    expect((await applySessionRevocation({ ctx, deps, input })).status).toBe("VERIFIED");
    expect((await policyText())!.split(revocationSid(alice.userId, paymentsProd.id)).length - 1).toBe(1);
  });

  it("resumes a provisioning already issued instead of issuing another", async () => {
    let lookupsFail = true;
    const flakyPort = {
      ...port,
      provisioningStatus: async (requestId: string) => {
        if (lookupsFail)
          throw new AwsPortError({ code: "UNAVAILABLE", operation: "DescribePermissionSetProvisioningStatus" });
        return port.provisioningStatus(requestId);
      },
    };
    const { ctx, deps } = worker({ port: flakyPort, poll: { initialDelayMs: 5, maxDelayMs: 10, timeoutMs: 50 } });
    const input = tuple(alice.userId, new Date(Date.now() + 60_000));
    await expect(applySessionRevocation({ ctx, deps, input })).rejects.toBeInstanceOf(RetryLater);
    const provisions = calls("ProvisionPermissionSet");
    const applied = await db.prisma.sessionRevocation.findFirstOrThrow();
    expect(applied.status).toBe("APPLIED");
    lookupsFail = false;
    expect((await applySessionRevocation({ ctx, deps, input })).status).toBe("VERIFIED");
    expect(calls("ProvisionPermissionSet")).toBe(provisions);
  });

  it("never rewrites a malformed customer policy: FAILED and the fail-closed alert", async () => {
    const smuggled = `{"Version":"2012-10-17","Statement":[{"Sid":"JitPortalRevokeMine","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`;
    await putCustomerPolicy(smuggled);
    const { ctx, deps } = worker();
    const puts = calls("PutInlinePolicyToPermissionSet");
    const result = await applySessionRevocation({
      ctx,
      deps,
      input: tuple(alice.userId, new Date(Date.now() + 60_000)),
    });
    expect(result.status).toBe("FAILED");
    expect(await policyText()).toBe(smuggled);
    expect(calls("PutInlinePolicyToPermissionSet")).toBe(puts);
    const alert = await db.prisma.alert.findFirstOrThrow();
    expect(alert).toMatchObject({ kind: "session-revocation-failed", severity: "critical", status: "OPEN" });
    expect(alert.subject).toMatch(/could not be read/);
  });

  it("reports an overflow of the policy size instead of writing it", async () => {
    const padding = "a".repeat(10_000);
    await putCustomerPolicy(
      `{"Version":"2012-10-17","Statement":[{"Sid":"Big","Effect":"Allow","Action":"s3:${padding}","Resource":"*"}]}`,
    );
    const { ctx, deps } = worker();
    const result = await applySessionRevocation({
      ctx,
      deps,
      input: tuple(alice.userId, new Date(Date.now() + 60_000)),
    });
    expect(result.status).toBe("FAILED");
    expect((await db.prisma.alert.findFirstOrThrow()).subject).toMatch(/size limit/);
  });

  it("cannot revoke a user without an Identity Store id, and the alert says so", async () => {
    const { ctx, deps } = worker();
    const input = tuple("", new Date(Date.now() + 60_000));
    const result = await applySessionRevocation({ ctx, deps, input });
    expect(result.status).toBe("FAILED");
    expect(await applySessionRevocation({ ctx, deps, input })).toEqual(result);
    expect(await db.prisma.alert.count()).toBe(1);
    expect((await db.prisma.alert.findFirstOrThrow()).subject).toMatch(/no IAM Identity Center user id/);
    expect(await policyText()).toBeNull();
  });

  it("takes a grant: cutoff from its end plus the margin, events on its request's timeline, one row however often it runs", async () => {
    const { ctx, deps } = worker();
    const endsAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 5_000);
    const grant = await insertGrant(alice.userId, endsAt);
    const first = await applySessionRevocation({ ctx, deps, input: { grantId: grant.id } });
    clock.now = new Date(Date.now() + 10_000);
    const again = await applySessionRevocation({ ctx, deps, input: { grantId: grant.id } });
    expect(again).toEqual(first);
    const row = await db.prisma.sessionRevocation.findUniqueOrThrow({ where: { id: first.revocationId } });
    expect(row).toMatchObject({ grantId: grant.id, status: "VERIFIED", identityStoreUserId: alice.userId });
    expect(row.cutoff).toEqual(new Date(endsAt.getTime() + 60_000));
    const timeline = await db.prisma.auditEvent.findMany({ where: { requestId: grant.requestId } });
    expect(timeline.map((event) => event.action)).toEqual([
      "session.revocation_applied",
      "session.revocation_verified",
    ]);

    // The assignment was deleted later than planned: a later end adds a later cutoff, still one statement.
    const deletedAt = new Date(endsAt.getTime() + 120_000);
    await applySessionRevocation({ ctx, deps, input: { grantId: grant.id, endedAt: deletedAt.toISOString() } });
    expect(readPortalStatements(await policyText())).toEqual({
      ok: true,
      statements: [
        {
          identityStoreUserId: alice.userId,
          accountId: paymentsProd.id,
          cutoff: new Date(deletedAt.getTime() + 60_000),
        },
      ],
    });
  });

  it("a grant whose user has no Identity Store id: FAILED, and the alert names the user and why", async () => {
    const { ctx, deps } = worker();
    const grant = await insertGrant(null, new Date());
    const result = await applySessionRevocation({ ctx, deps, input: { grantId: grant.id } });
    expect(result.status).toBe("FAILED");
    const alert = await db.prisma.alert.findFirstOrThrow();
    expect(alert).toMatchObject({ grantId: grant.id, severity: "critical" });
    expect(alert.subject).toMatch(
      /^Live AWS sessions of user\d+@example\.com cannot be cut: the user has no IAM Identity Center user id/,
    );
    expect(calls("PutInlinePolicyToPermissionSet")).toBe(0);
  });

  it("retries a FAILED provisioning, then past the threshold raises the fail-closed alert", async () => {
    sim.setConfig({ failureRules: [{ kind: "provision", permissionSetArn: readOnly.arn, failureReason: "internal" }] });
    const { ctx, deps } = worker({ provisioningFailuresBeforeAlert: 2 });
    const input = tuple(alice.userId, new Date(Date.now() + 60_000));
    await expect(applySessionRevocation({ ctx, deps, input })).rejects.toBeInstanceOf(RetryLater);
    expect(await db.prisma.alert.count()).toBe(0);
    expect((await applySessionRevocation({ ctx, deps, input })).status).toBe("FAILED");
    const alert = await db.prisma.alert.findFirstOrThrow();
    expect(alert.subject).toMatch(/provisioning the deny to the account kept failing/);
    // Fixed AWS-side: the next run cuts the sessions.
    sim.setConfig({ failureRules: [] });
    expect((await applySessionRevocation({ ctx, deps, input })).status).toBe("VERIFIED");
    expect((await db.prisma.alert.findUniqueOrThrow({ where: { id: alert.id } })).status).toBe("RESOLVED");
  });

  it("a FAILED provisioning never undoes a verification another worker recorded meanwhile (no false alert)", async () => {
    sim.setConfig({ failureRules: [{ kind: "provision", permissionSetArn: readOnly.arn, failureReason: "internal" }] });
    const input = tuple(alice.userId, new Date(Date.now() + 60_000));
    const racing = {
      ...port,
      provisioningStatus: async (requestId: string) => {
        const report = await port.provisioningStatus(requestId);
        // Another worker's provisioning carried this user's statement and verified the row while ours was failing.
        await db.prisma.sessionRevocation.updateMany({ data: { status: "VERIFIED", verifiedAt: new Date() } });
        return report;
      },
    };
    const { ctx, deps } = worker({ port: racing, provisioningFailuresBeforeAlert: 1 });
    const result = await applySessionRevocation({ ctx, deps, input });
    expect(result.status).toBe("VERIFIED");
    expect((await db.prisma.sessionRevocation.findFirstOrThrow()).status).toBe("VERIFIED");
    expect(await db.prisma.alert.count()).toBe(0);
  });

  it("a later revocation of a user whose verified deny outlived the set's removal from the account is covered, not failed", async () => {
    const { ctx, deps } = worker();
    const first = tuple(alice.userId, new Date(clock.now.getTime() + 60_000));
    expect((await applySessionRevocation({ ctx, deps, input: first })).status).toBe("VERIFIED");
    // Another grant deletes the last assignments: the set leaves the account, so provisioning there fails from now on.
    for (const principalId of [alice.userId, bob.userId]) {
      const issued = await port.unassign({ ...first, principalType: "USER", principalId });
      if ("requestId" in issued)
        await waitUntil(
          () => port.deletionStatus(issued.requestId),
          (report) => report.status === "SUCCEEDED",
        );
    }
    const later = await applySessionRevocation({
      ctx,
      deps,
      input: tuple(alice.userId, new Date(first.cutoff.getTime() + 1_000)),
    });
    expect(later.status).toBe("VERIFIED");
    expect(await db.prisma.alert.count({ where: { status: "OPEN" } })).toBe(0);
    const row = await db.prisma.sessionRevocation.findUniqueOrThrow({ where: { id: later.revocationId } });
    expect(row.provisionRequestId).not.toBeNull();
    // Past the covering deny's cutoff the same failure is no longer covered: the fail-closed alert, as before.
    clock = { now: new Date(first.cutoff.getTime() + 5_000) };
    const uncovered = await applySessionRevocation({
      ctx,
      deps: { ...deps },
      input: tuple(alice.userId, new Date(first.cutoff.getTime() + 10_000)),
    });
    expect(uncovered.status).toBe("FAILED");
  });

  it("rejects malformed input from a job before touching anything", async () => {
    const { ctx, deps } = worker();
    for (const input of [
      { grantId: "" },
      { ...tuple(alice.userId, new Date()), accountId: "12345" },
      { ...tuple(alice.userId, new Date()), cutoff: "yesterday" },
      { ...tuple(alice.userId, new Date()), extra: true },
    ])
      await expect(applySessionRevocation({ ctx, deps, input })).rejects.toMatchObject({ code: "VALIDATION" });
    expect(await db.prisma.sessionRevocation.count()).toBe(0);
  });

  it("refuses a caller that is not the worker", async () => {
    const { ctx, deps } = worker();
    const asUser: ServiceContext = { ...ctx, actor: { type: "anonymous", ip: null, userAgent: null } };
    await expect(
      applySessionRevocation({ ctx: asUser, deps, input: tuple(alice.userId, new Date()) }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("reconcileSessionStatements", () => {
  it("reports a deny overwritten outside the portal (a Terraform apply) and applies it again, keeping the new customer text", async () => {
    const { ctx, deps } = worker();
    const listAliases = await aliceSession();
    const applied = await applySessionRevocation({
      ctx,
      deps,
      input: tuple(alice.userId, new Date(Date.now() + 60_000)),
    });
    expect(await reconcileSessionStatements({ ctx, deps })).toEqual({ reapplied: 0, skipped: [] });

    // Terraform writes its own document and provisions it: the deny is gone from the account too.
    await putCustomerPolicy(CUSTOMER_POLICY);
    await port.provisionPermissionSet(readOnly.arn, paymentsProd.id);
    await waitUntil(
      () =>
        listAliases().then(
          () => "allowed",
          () => "denied",
        ),
      (outcome) => outcome === "allowed",
    );

    expect(await reconcileSessionStatements({ ctx, deps })).toEqual({ reapplied: 1, skipped: [] });
    expect(await portalUsers()).toEqual([alice.userId]);
    for (const statement of CUSTOMER_STATEMENTS) expect(await policyText()).toContain(statement);
    expect((await rejectionOf(listAliases())).name).toBe("AccessDenied");
    expect((await auditActions(applied.revocationId)).map((event) => event.action)).toEqual([
      "session.revocation_applied",
      "session.revocation_verified",
      "session.revocation_missing",
      "session.revocation_applied",
      "session.revocation_verified",
    ]);
    expect(await db.prisma.alert.findFirstOrThrow()).toMatchObject({ severity: "warning" });
    expect(await reconcileSessionStatements({ ctx, deps })).toEqual({ reapplied: 0, skipped: [] });
  });
});

describe("reconcileSessionStatements and cleanup racing", () => {
  it("a cleanup landing between the reconciler's reads is not taken for a removed deny", async () => {
    const { ctx, deps } = worker();
    await applySessionRevocation({ ctx, deps, input: tuple(alice.userId, new Date(Date.now() + 60_000)) });
    const cleaner = worker();
    const later = new Date(Date.now() + 13 * HOUR);
    let cleanup: Promise<unknown> | undefined;
    const racing: IdentityCenterPort = {
      ...port,
      getInlinePolicy: async (arn) => {
        // The worker's cleanup runs now; without the set's lock held here it finishes before this read.
        cleanup ??= cleanSessionRevocations({ ctx: { ...cleaner.ctx, now: () => later }, deps: cleaner.deps });
        await Promise.race([cleanup, new Promise((resolve) => setTimeout(resolve, 1_500))]);
        return port.getInlinePolicy(arn);
      },
    };
    expect(await reconcileSessionStatements({ ctx, deps: { ...deps, port: racing } })).toEqual({
      reapplied: 0,
      skipped: [],
    });
    expect(await cleanup).toEqual({ cleaned: 1, skipped: [] });
    expect(await policyText()).toBeNull();
    expect(await db.prisma.sessionRevocation.findFirstOrThrow()).toMatchObject({ status: "CLEANED" });
  });
});

describe("cleanSessionRevocations", () => {
  it("removes only expired statements, then deletes the policy when nothing is left", async () => {
    const { ctx, deps } = worker();
    const start = Date.now();
    await applySessionRevocation({ ctx, deps, input: tuple(alice.userId, new Date(start + 60_000)) });
    await applySessionRevocation({ ctx, deps, input: tuple(bob.userId, new Date(start + 2 * HOUR)) });

    clock.now = new Date(start + 30 * 60_000);
    expect(await cleanSessionRevocations({ ctx, deps })).toEqual({ cleaned: 0, skipped: [] });
    expect((await portalUsers()).sort()).toEqual([alice.userId, bob.userId].sort());

    clock.now = new Date(start + 90 * 60_000);
    const provisions = calls("ProvisionPermissionSet");
    expect(await cleanSessionRevocations({ ctx, deps })).toEqual({ cleaned: 1, skipped: [] });
    expect(await portalUsers()).toEqual([bob.userId]);
    expect(calls("ProvisionPermissionSet")).toBe(provisions + 1);
    const aliceRow = await db.prisma.sessionRevocation.findFirstOrThrow({
      where: { identityStoreUserId: alice.userId },
    });
    expect(aliceRow.status).toBe("CLEANED");
    expect((await auditActions(aliceRow.id)).at(-1)).toEqual({
      action: "session.revocation_cleaned",
      after: expect.objectContaining({ awsRequestId: aliceRow.cleanupRequestId }),
    });

    clock.now = new Date(start + 4 * HOUR);
    expect(await cleanSessionRevocations({ ctx, deps })).toEqual({ cleaned: 1, skipped: [] });
    expect(calls("DeleteInlinePolicyFromPermissionSet")).toBe(1);
    expect(await policyText()).toBeNull();
    expect(await cleanSessionRevocations({ ctx, deps })).toEqual({ cleaned: 0, skipped: [] });
  });
});

describe("cleanSessionRevocations after a worker dies", () => {
  // Each AWS step of a cleanup; the inline policy is deleted (not rewritten) only when no customer statement is left.
  const cleanupSteps = [
    ["GetInlinePolicyForPermissionSet", "getInlinePolicy", true],
    ["PutInlinePolicyToPermissionSet", "putInlinePolicy", true],
    ["DeleteInlinePolicyFromPermissionSet", "deleteInlinePolicy", false],
    ["ProvisionPermissionSet", "provisionPermissionSet", true],
    ["DescribePermissionSetProvisioningStatus", "provisioningStatus", true],
  ] as const;
  const accountCopy = () =>
    sim.getState().provisioned.find((p) => p.permissionSetArn === readOnly.arn && p.accountId === paymentsProd.id);

  it.each(cleanupSteps)(
    "a cleanup killed right after %s is finished by the next run: no portal statement, in the set or the account's copy",
    async (_, method, withCustomer) => {
      if (withCustomer) await putCustomerPolicy(CUSTOMER_POLICY);
      const { ctx, deps } = worker();
      const start = Date.now();
      await applySessionRevocation({ ctx, deps, input: tuple(alice.userId, new Date(start + 60_000)) });
      expect(accountCopy()?.inlinePolicy).toContain(revocationSid(alice.userId, paymentsProd.id));
      clock.now = new Date(start + 3 * HOUR);

      let killed = false;
      const real = port[method] as (...args: unknown[]) => Promise<unknown>;
      const dying: IdentityCenterPort = {
        ...port,
        [method]: async (...args: unknown[]) => {
          const result = await real(...args);
          if (!killed) {
            killed = true;
            throw new Error("worker killed");
          }
          return result;
        },
      };
      const crashed = worker({ port: dying });
      await cleanSessionRevocations({ ctx: crashed.ctx, deps: crashed.deps }).catch(() => "died");
      expect(killed).toBe(true);

      // Another worker's next run converges, however far the first one got.
      await waitUntil(
        async () => {
          await cleanSessionRevocations({ ctx, deps });
          return db.prisma.sessionRevocation.findFirstOrThrow({ where: { identityStoreUserId: alice.userId } });
        },
        (row) => row.status === "CLEANED",
      );
      const left = await policyText();
      if (withCustomer) expect(left).toBe(`{"Version":"2012-10-17","Statement":[${CUSTOMER_STATEMENTS.join(",")}]}`);
      else expect(left).toBeNull();
      const copy = accountCopy();
      expect(copy?.latest).toBe(true);
      expect(copy?.inlinePolicy ?? "").not.toContain("JitPortalRevoke");
      expect((await auditActions((await db.prisma.sessionRevocation.findFirstOrThrow()).id)).at(-1)?.action).toBe(
        "session.revocation_cleaned",
      );
    },
  );
});

describe("a grant's end cuts its live sessions (removeGrantAssignment)", () => {
  const noQueue: JobQueue = { send: async () => undefined };
  function grantWorker(portOverride: IdentityCenterPort = port, sessions: Partial<SessionRevocationDeps> = {}) {
    const { ctx, deps } = worker({ port: portOverride, ...sessions });
    const grantDeps: GrantDeps = {
      port: portOverride,
      queue: noQueue,
      poll: deps.poll,
      sessions: { locks: deps.locks, conflictDelayMs: 10, ...sessions },
    };
    return { ctx, grantDeps };
  }
  const endGrantNow = (ctx: ServiceContext, grantDeps: GrantDeps, grantId: string) =>
    deactivateGrant({ ctx, input: { grantId }, deps: grantDeps });
  // Relative to the verbs' clock (set before the slower setup ran), so the grant is due however long that took.
  const ended = () => new Date(Math.floor(clock.now.getTime() / 1000) * 1000 - 1_000);
  // Each case's grant must be the tuple's only one, or the assignment is kept for an earlier case's grant.
  beforeEach(() => db.prisma.grant.deleteMany());

  it("denies the session opened during the grant, provisioned before the assignment is deleted", async () => {
    const listAliases = await aliceSession();
    const grant = await insertGrant(alice.userId, ended());
    let deniedAtDelete: string | null = null;
    const watching: IdentityCenterPort = {
      ...port,
      unassign: async (tuple) => {
        deniedAtDelete = (await rejectionOf(listAliases())).name;
        return port.unassign(tuple);
      },
    };
    const { ctx, grantDeps } = grantWorker(watching);
    expect(await endGrantNow(ctx, grantDeps, grant.id)).toBe("removed");
    expect(deniedAtDelete).toBe("AccessDenied");
    expect((await rejectionOf(listAliases())).name).toBe("AccessDenied");
    const revocation = await db.prisma.sessionRevocation.findFirstOrThrow({ where: { grantId: grant.id } });
    expect(revocation).toMatchObject({ status: "VERIFIED", cutoff: new Date(grant.endsAt.getTime() + 60_000) });
    expect(await auditActions(revocation.id)).toEqual([
      expect.objectContaining({ action: "session.revocation_applied" }),
      expect.objectContaining({ action: "session.revocation_verified" }),
    ]);
    // The request's timeline shows them, with the target and the AWS request id of the provisioning.
    const auditor = await db.prisma.user.create({
      data: { email: `auditor${users++}@example.com`, roles: ["AUDITOR"] },
    });
    const timeline = await getAuditTimeline({
      ctx: {
        ...ctx,
        actor: {
          type: "user",
          userId: auditor.id,
          email: auditor.email!,
          name: null,
          roles: ["AUDITOR"],
          groups: [],
          identityStoreUserId: null,
          ip: null,
          userAgent: null,
        },
      },
      input: { requestId: grant.requestId },
    });
    // No inventory synced here, so the names fall back to the ids.
    const target = `${readOnly.arn.split("/").pop()} on ${paymentsProd.id}`;
    expect(timeline.entries.filter((entry) => entry.entityType === "session_revocation")).toEqual([
      expect.objectContaining({
        title: `Live AWS sessions: deny written and provisioning started: ${target}`,
        awsRequestId: revocation.provisionRequestId,
        target,
      }),
      expect.objectContaining({
        title: `Live AWS sessions cut (provisioning succeeded): ${target}`,
        awsRequestId: revocation.provisionRequestId,
      }),
    ]);
  });

  it("a grant ending while another grant of the same assignment is active: assignment kept, no deny, its sessions live on", async () => {
    const listAliases = await aliceSession();
    const first = await insertGrant(alice.userId, ended());
    // A second request's grant of the same tuple, still within its window.
    const covering = await insertGrant(alice.userId, new Date(Date.now() + HOUR));
    const { ctx, grantDeps } = grantWorker();
    expect(await endGrantNow(ctx, grantDeps, first.id)).toBe("kept");
    expect(calls("PutInlinePolicyToPermissionSet")).toBe(0);
    expect(await db.prisma.sessionRevocation.count()).toBe(0);
    expect((await listAliases()).AccountAliases).toEqual(["payments-prod"]);

    await db.prisma.grant.update({ where: { id: covering.id }, data: { endsAt: ended() } });
    expect(await endGrantNow(ctx, grantDeps, covering.id)).toBe("removed");
    expect((await rejectionOf(listAliases())).name).toBe("AccessDenied");
  });

  it("grants of one permission set in two accounts: ending the first cuts only that account's session", async () => {
    await assign(alice.userId, sandboxErin.id);
    const inPayments = await aliceSession(paymentsProd.id);
    const inSandbox = await aliceSession(sandboxErin.id);
    const first = await insertGrant(alice.userId, ended(), alice.userId, paymentsProd.id);
    const second = await insertGrant(alice.userId, new Date(Date.now() + HOUR), alice.userId, sandboxErin.id);
    const { ctx, grantDeps } = grantWorker();
    expect(await endGrantNow(ctx, grantDeps, first.id)).toBe("removed");
    expect((await rejectionOf(inPayments())).name).toBe("AccessDenied");
    // The set's policy reaches sandbox-erin with its next provisioning (any other edit or an admin's): still allowed.
    const provisioning = await port.provisionPermissionSet(readOnly.arn, sandboxErin.id);
    await waitUntil(
      () => port.provisioningStatus(provisioning.requestId),
      (report) => report.status === "SUCCEEDED",
    );
    expect((await inSandbox()).AccountAliases).toEqual(["sandbox-erin"]);

    await db.prisma.grant.update({ where: { id: second.id }, data: { endsAt: ended() } });
    expect(await endGrantNow(ctx, grantDeps, second.id)).toBe("removed");
    expect((await rejectionOf(inSandbox())).name).toBe("AccessDenied");
    expect((await rejectionOf(inPayments())).name).toBe("AccessDenied");
    const read = readPortalStatements(await policyText());
    expect(read.ok && read.statements.map((statement) => statement.accountId)).toEqual(
      [paymentsProd.id, sandboxErin.id].sort(),
    );
  });

  it("the statement is cleaned once the set's session duration has passed, and the user's next grant works", async () => {
    const grant = await insertGrant(alice.userId, ended());
    const { ctx, grantDeps } = grantWorker();
    expect(await endGrantNow(ctx, grantDeps, grant.id)).toBe("removed");
    await assign(alice.userId);
    const minted = await aliceSession();
    // Minted before the cutoff (end + 1 min): still denied until cleanup.
    expect((await rejectionOf(minted())).name).toBe("AccessDenied");
    const cleanupDeps = { port, poll: grantDeps.poll, ...grantDeps.sessions };
    clock.now = new Date(grant.endsAt.getTime() + 30 * 60_000);
    expect(await cleanSessionRevocations({ ctx, deps: cleanupDeps })).toEqual({ cleaned: 0, skipped: [] });
    clock.now = new Date(grant.endsAt.getTime() + HOUR + 61_000);
    expect(await cleanSessionRevocations({ ctx, deps: cleanupDeps })).toEqual({ cleaned: 1, skipped: [] });
    expect(await policyText()).toBeNull();
    expect((await minted()).AccountAliases).toEqual(["payments-prod"]);
  });

  it("a rule with sessionRevocation: off removes the assignment only", async () => {
    const listAliases = await aliceSession();
    const grant = await insertGrant(alice.userId, ended());
    await db.prisma.requestTarget.update({ where: { id: grant.targetId }, data: { revokeSessionsOnEnd: false } });
    const { ctx, grantDeps } = grantWorker();
    expect(await endGrantNow(ctx, grantDeps, grant.id)).toBe("removed");
    expect(calls("PutInlinePolicyToPermissionSet")).toBe(0);
    expect((await listAliases()).AccountAliases).toEqual(["payments-prod"]);
  });

  it("credentials minted after the cutoff but before a late delete are cut too (the cutoff moves to the delete)", async () => {
    // The worker was away: the grant ended ten minutes ago, so its cutoff (end + 1 min) is long past.
    const grant = await insertGrant(alice.userId, new Date(ended().getTime() - 10 * 60_000));
    const mintedLate = await aliceSession();
    const { ctx, grantDeps } = grantWorker();
    expect(await endGrantNow(ctx, grantDeps, grant.id)).toBe("removed");
    expect((await rejectionOf(mintedLate())).name).toBe("AccessDenied");
    expect(await portalUsers()).toEqual([alice.userId]);
    const rows = await db.prisma.sessionRevocation.findMany({
      where: { grantId: grant.id },
      orderBy: { cutoff: "asc" },
    });
    expect(rows.map((row) => row.status)).toEqual(["VERIFIED", "VERIFIED"]);
  });

  it("a delete slower than the margin moves the cutoff past it afterwards, provisioned while the set is still in the account", async () => {
    const grant = await insertGrant(alice.userId, ended());
    const slowDelete: IdentityCenterPort = {
      ...port,
      unassign: async (tuple) => {
        const issued = await port.unassign(tuple);
        clock.now = new Date(clock.now.getTime() + 3 * 60_000);
        return issued;
      },
    };
    const { ctx, grantDeps } = grantWorker(slowDelete);
    expect(await endGrantNow(ctx, grantDeps, grant.id)).toBe("removed");
    const rows = await db.prisma.sessionRevocation.findMany({
      where: { grantId: grant.id },
      orderBy: { cutoff: "asc" },
    });
    expect(rows.map((row) => row.status)).toEqual(["VERIFIED", "VERIFIED"]);
    expect(rows[1]!.cutoff.getTime()).toBeGreaterThan(clock.now.getTime());
    // Bob still holds the set in the account, so provisioning after alice's delete still reaches the role.
    expect(readPortalStatements(await policyText())).toEqual({
      ok: true,
      statements: [{ identityStoreUserId: alice.userId, accountId: paymentsProd.id, cutoff: rows[1]!.cutoff }],
    });
  });

  it("provisioning keeps failing: the grant stays REMOVING while retried, then the fail-closed alert and the assignment still goes", async () => {
    sim.setConfig({ failureRules: [{ kind: "provision", permissionSetArn: readOnly.arn, failureReason: "internal" }] });
    const grant = await insertGrant(alice.userId, ended());
    const { ctx, grantDeps } = grantWorker(port, { provisioningFailuresBeforeAlert: 2 });
    await expect(endGrantNow(ctx, grantDeps, grant.id)).rejects.toBeInstanceOf(RetryLater);
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).toMatchObject({
      status: "REMOVING",
      deleteRequestId: null,
    });
    expect(calls("DeleteAccountAssignment")).toBe(0);
    expect(await endGrantNow(ctx, grantDeps, grant.id)).toBe("removed");
    const alert = await db.prisma.alert.findFirstOrThrow();
    expect(alert).toMatchObject({ kind: "session-revocation-failed", severity: "critical", grantId: grant.id });
    sim.setConfig({ failureRules: [] });
  });

  it("a malformed customer policy: never rewritten, alert, assignment removed, no crash", async () => {
    const smuggled = `{"Version":"2012-10-17","Statement":[{"Sid":"JitPortalRevokeMine","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`;
    await putCustomerPolicy(smuggled);
    const grant = await insertGrant(alice.userId, ended());
    const { ctx, grantDeps } = grantWorker();
    expect(await endGrantNow(ctx, grantDeps, grant.id)).toBe("removed");
    expect(await policyText()).toBe(smuggled);
    expect((await db.prisma.alert.findFirstOrThrow()).subject).toMatch(/could not be read/);
  });

  it("AWS refusing the deny for good (the portal's role lacks the permission): alert, and the assignment still goes", async () => {
    const grant = await insertGrant(alice.userId, ended());
    const refusing: IdentityCenterPort = {
      ...port,
      putInlinePolicy: async () => {
        throw new AwsPortError({ code: "ACCESS_DENIED", operation: "PutInlinePolicyToPermissionSet" });
      },
    };
    const { ctx, grantDeps } = grantWorker(refusing);
    expect(await endGrantNow(ctx, grantDeps, grant.id)).toBe("removed");
    const alert = await db.prisma.alert.findFirstOrThrow();
    expect(alert).toMatchObject({ severity: "critical", grantId: grant.id });
    expect(alert.subject).toMatch(/refused the session deny/);
  });

  it("a permission set deleted meanwhile is reported, not crashed on", async () => {
    const grant = await insertGrant(alice.userId, ended());
    const gone: IdentityCenterPort = {
      ...port,
      getInlinePolicy: async () => {
        throw new AwsPortError({ code: "NOT_FOUND", operation: "GetInlinePolicyForPermissionSet" });
      },
    };
    const { ctx, grantDeps } = grantWorker(gone);
    expect(await endGrantNow(ctx, grantDeps, grant.id)).toBe("removed");
    expect(await db.prisma.alert.findFirstOrThrow()).toMatchObject({ severity: "warning", grantId: grant.id });
  });

  const steps = [
    "GetInlinePolicyForPermissionSet",
    "PutInlinePolicyToPermissionSet",
    "ProvisionPermissionSet",
    "DescribePermissionSetProvisioningStatus",
    "DeleteAccountAssignment",
    "DescribeAccountAssignmentDeletionStatus",
  ] as const;
  it.each(steps)(
    "a worker killed right after %s resumes to one statement, a denied session and one delete",
    async (step) => {
      const listAliases = await aliceSession();
      const grant = await insertGrant(alice.userId, ended());
      let killed = false;
      const dieAfter =
        <A extends unknown[], R>(operation: string, call: (...args: A) => Promise<R>) =>
        async (...args: A) => {
          const result = await call(...args);
          if (operation === step && !killed) {
            killed = true;
            throw new Error("worker killed");
          }
          return result;
        };
      const dying: IdentityCenterPort = {
        ...port,
        getInlinePolicy: dieAfter("GetInlinePolicyForPermissionSet", port.getInlinePolicy),
        putInlinePolicy: dieAfter("PutInlinePolicyToPermissionSet", port.putInlinePolicy),
        provisionPermissionSet: dieAfter("ProvisionPermissionSet", port.provisionPermissionSet),
        provisioningStatus: dieAfter("DescribePermissionSetProvisioningStatus", port.provisioningStatus),
        unassign: dieAfter("DeleteAccountAssignment", port.unassign),
        deletionStatus: dieAfter("DescribeAccountAssignmentDeletionStatus", port.deletionStatus),
      };
      const { ctx, grantDeps } = grantWorker(dying);
      // The "kill" surfaces as whatever the step's error handling makes of it; the next run must converge all the same.
      await expect(endGrantNow(ctx, grantDeps, grant.id)).rejects.toThrow();
      // A repeated delete answers CONFLICT while the first is still running: the job is handed back, as pg-boss would.
      const resumed = await waitUntil(
        () => endGrantNow(ctx, grantDeps, grant.id).catch((error: unknown) => error),
        (outcome) => !(outcome instanceof RetryLater),
      );
      expect(resumed).toBe("removed");
      expect(killed).toBe(true);
      expect((await rejectionOf(listAliases())).name).toBe("AccessDenied");
      expect((await policyText())!.split(revocationSid(alice.userId, paymentsProd.id)).length - 1).toBe(1);
      // Only a delete whose answer was lost is issued again (answered CONFLICT until the first finishes).
      if (step !== "DeleteAccountAssignment") expect(calls("DeleteAccountAssignment")).toBe(1);
      expect(await db.prisma.sessionRevocation.findFirstOrThrow({ where: { grantId: grant.id } })).toMatchObject({
        status: "VERIFIED",
      });
    },
  );
});
