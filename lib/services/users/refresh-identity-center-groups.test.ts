import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentityCenterPort, type SdkIdentityCenterPort } from "../../aws/identity-center-port";
import { actorGroups } from "../../domain/group-targets";
import { evaluateTarget } from "../../domain/policy";
import { DEMO_SEED, seedGroup, seedUser } from "../../simulator/seed";
import type { SimulatorHandle } from "../../simulator/server";
import { startTestSimulator } from "../../simulator/testing";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { systemActor, type UserActor } from "../context";
import { getActivePolicy } from "../policy/active-policy";
import { loadPolicy } from "../policy/load-policy";
import {
  refreshIdentityCenterGroups,
  usersDueForGroupRefresh,
  type GroupIdCache,
} from "./refresh-identity-center-groups";

const policyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ic-groups-")), "policy.yaml");
fs.writeFileSync(
  policyFile,
  [
    "version: 1",
    "rules:",
    "  - id: db-oncall-read",
    "    requesters: { identityCenterGroups: [prod-db-admins] }",
    '    accounts: { ids: ["210987654321"] }',
    "    permissionSets: [ReadOnly]",
    "    maxDurationMinutes: 60",
    "    approval: { auto: false, approvers: { identityCenterGroups: [team-payments-leads] }, required: 1 }",
    "",
  ].join("\n"),
);

let sim: SimulatorHandle;
let port: SdkIdentityCenterPort;
let db: TestDatabase;
const T0 = new Date("2026-12-05T08:00:00Z");
const ctxAt = (now: Date) => ({ actor: systemActor("ic-groups"), db: db.prisma, now: () => now });

beforeAll(async () => {
  sim = await startTestSimulator();
  port = createIdentityCenterPort({
    region: DEMO_SEED.region,
    instanceArn: DEMO_SEED.instanceArn,
    identityStoreId: DEMO_SEED.identityStoreId,
    endpoint: sim.url,
  });
  db = await createTestDatabase();
  await loadPolicy({ ctx: ctxAt(T0), input: { file: policyFile } });
});
afterAll(async () => {
  port.close();
  await sim.close();
  await db.drop();
});

describe("refreshIdentityCenterGroups", () => {
  it("reads the policy's Identity Center groups a user belongs to, and eligibility follows them while fresh", async () => {
    const alice = await db.prisma.user.create({
      data: { email: "alice@example.com", roles: ["REQUESTER"], idpGroups: ["prod-db-admins"] },
    });
    const groupIds: GroupIdCache = new Map();
    const first = await refreshIdentityCenterGroups({
      ctx: ctxAt(T0),
      input: { userId: alice.id },
      deps: { port, groupIds },
    });
    expect(first).toEqual({ groups: [] });
    const target = { account: { id: "210987654321", ouIds: [] }, permissionSetName: "ReadOnly" };
    const { document } = await getActivePolicy(db.prisma);
    // An IdP claim with the group's name is not membership of the Identity Center group.
    const unrefreshed = await db.prisma.user.findUniqueOrThrow({ where: { id: alice.id } });
    expect(
      evaluateTarget(document, { email: alice.email!, groups: actorGroups(unrefreshed, T0) }, target).allowed,
    ).toBe(false);

    await fetch(`${sim.url}/__sim/group-memberships`, {
      method: "POST",
      body: JSON.stringify({ groupId: seedGroup("prod-db-admins").groupId, userId: seedUser("alice").userId }),
    });
    const later = new Date(T0.getTime() + 60_000);
    expect(
      await refreshIdentityCenterGroups({ ctx: ctxAt(later), input: { userId: alice.id }, deps: { port, groupIds } }),
    ).toEqual({
      groups: ["prod-db-admins"],
    });
    const refreshed = await db.prisma.user.findUniqueOrThrow({ where: { id: alice.id } });
    expect(refreshed.identityStoreUserId).toBe(seedUser("alice").userId);
    expect(refreshed.identityCenterGroupsAt).toEqual(later);
    expect(
      evaluateTarget(document, { email: alice.email!, groups: actorGroups(refreshed, later) }, target).allowed,
    ).toBe(true);
    // Past the cache window the reading no longer counts.
    const stale = new Date(later.getTime() + 15 * 60_000);
    expect(
      evaluateTarget(document, { email: alice.email!, groups: actorGroups(refreshed, stale) }, target).allowed,
    ).toBe(false);
    const audits = await db.prisma.auditEvent.findMany({
      where: { action: "user.identity_center_groups_changed", entityId: alice.id },
    });
    expect(audits).toHaveLength(1);
    expect(audits[0]!.after).toEqual({ identityCenterGroups: ["prod-db-admins"] });
  });

  it("lists users with a live session whose reading is due", async () => {
    const bob = await db.prisma.user.create({ data: { email: "bob@example.com", roles: ["APPROVER"] } });
    await db.prisma.session.create({
      data: { sessionToken: "bob-session", userId: bob.id, expires: new Date(T0.getTime() + 3_600_000) },
    });
    const due = await usersDueForGroupRefresh(ctxAt(T0), T0);
    expect(due).toContain(bob.id);
    await refreshIdentityCenterGroups({ ctx: ctxAt(T0), input: { userId: bob.id }, deps: { port } });
    expect(await usersDueForGroupRefresh(ctxAt(T0), new Date(T0.getTime() - 1))).not.toContain(bob.id);
  });

  it("is a worker verb only", async () => {
    const user: UserActor = {
      type: "user",
      userId: "u",
      email: "e@example.com",
      name: null,
      roles: ["ADMIN"],
      groups: [],
      identityStoreUserId: null,
      ip: null,
      userAgent: null,
    };
    await expect(
      refreshIdentityCenterGroups({ ctx: { ...ctxAt(T0), actor: user }, input: { userId: "u" }, deps: { port } }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
