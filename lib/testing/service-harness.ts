import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { PgBoss } from "pg-boss";
import { createIdentityCenterPort, type IdentityCenterPort } from "../aws/identity-center-port";
import { PERSONAS } from "../demo/personas";
import { createBossJobQueue, type JobQueue } from "../jobs/job-queue";
import { recordAwsCall } from "../metrics/registry";
import { systemActor, type Actor, type ServiceContext, type UserActor } from "../services/context";
import type { GrantDeps } from "../services/grants/grant-support";
import { syncInventory } from "../services/inventory/sync-inventory";
import { loadPolicy } from "../services/policy/load-policy";
import { DEMO_SEED } from "../simulator/seed";
import { startSimulator } from "../simulator/server";
import { startBoss } from "../worker/boss";
import { createTestDatabase, type TestDatabase } from "./test-database";

// The demo personas' roles as the service tests have always assumed them (dave also requests).
const TEST_ROLES: Record<string, UserActor["roles"]> = {
  engineering: ["REQUESTER"],
  approvers: ["APPROVER"],
  "security-approvers": ["APPROVER"],
  "security-auditors": ["AUDITOR"],
  "portal-admins": ["ADMIN", "REQUESTER"],
};

export interface ServiceHarness {
  db: TestDatabase;
  sim: Awaited<ReturnType<typeof startSimulator>>;
  boss: PgBoss;
  queue: JobQueue;
  port: IdentityCenterPort;
  deps: GrantDeps;
  users: Record<string, UserActor>;
  ctxFor(actor: Actor): ServiceContext;
  system(): ServiceContext;
  stop(): Promise<void>;
}

/** A throwaway database, a fast simulator and a job queue, with the given policy loaded, the inventory synced and the personas signed up. */
export async function startServiceHarness({
  policyYaml,
  systemJob,
}: {
  policyYaml: string;
  systemJob: string;
}): Promise<ServiceHarness> {
  const db = await createTestDatabase();
  const sim = await startSimulator({ port: 0, config: { asyncDelayMs: 20, rateLimitPerSecond: 0 } });
  const boss = await startBoss({ databaseUrl: db.url, role: "worker" });
  const queue = createBossJobQueue(boss);
  const port = createIdentityCenterPort(
    {
      region: "us-east-1",
      instanceArn: DEMO_SEED.instanceArn,
      identityStoreId: DEMO_SEED.identityStoreId,
      endpoint: sim.url,
    },
    { observeCall: recordAwsCall },
  );
  const deps: GrantDeps = { port, queue, poll: { initialDelayMs: 10, maxDelayMs: 50, timeoutMs: 10_000 } };
  const ctxFor = (actor: Actor): ServiceContext => ({ actor, db: db.prisma, now: () => new Date() });
  const system = () => ctxFor(systemActor(systemJob));

  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "policy-")), "policy.yaml");
  fs.writeFileSync(file, policyYaml);
  await loadPolicy({ ctx: system(), input: { file } });
  await syncInventory({ ctx: system(), port });
  const users: Record<string, UserActor> = {};
  for (const persona of PERSONAS) {
    const roles = [...new Set(persona.groups.flatMap((group) => TEST_ROLES[group] ?? []))];
    const user = await db.prisma.user.create({
      data: { email: persona.email, name: persona.name, roles, idpGroups: persona.groups, lastSignInAt: new Date() },
    });
    users[persona.key] = {
      type: "user",
      userId: user.id,
      email: persona.email,
      name: persona.name,
      roles: user.roles,
      groups: persona.groups,
      identityStoreUserId: null,
      ip: "127.0.0.1",
      userAgent: "vitest",
    };
  }
  return {
    db,
    sim,
    boss,
    queue,
    port,
    deps,
    users,
    ctxFor,
    system,
    async stop() {
      await boss.stop({ graceful: false });
      await sim.close();
      await db.drop();
    },
  };
}
