import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentityCenterPort, type SdkIdentityCenterPort } from "../../aws/identity-center-port";
import { DEMO_SEED, seedGroup } from "../../simulator/seed";
import type { SimulatorHandle } from "../../simulator/server";
import { startTestSimulator } from "../../simulator/testing";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { systemActor } from "../context";
import { checkGroupNames, groupNamesCheck } from "./check-group-names";
import { loadPolicy, PolicyFileError, readPolicyFile } from "./load-policy";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-groups-"));
const groupPolicy = (groupName: string, requesterGroup = "oncall-engineers") => {
  const file = path.join(dir, `${groupName.replace(/\W/g, "_")}-${requesterGroup}.yaml`);
  fs.writeFileSync(
    file,
    [
      "version: 1",
      "groupRules:",
      "  - id: temporary-db-admin",
      `    requesters: { identityCenterGroups: ["${requesterGroup}"] }`,
      `    identityCenterGroups: ["engineering", "${groupName}"]`,
      "    maxDurationMinutes: 120",
      "    approval: { auto: false, approvers: { groups: [approvers] }, required: 1 }",
      "",
    ].join("\n"),
  );
  return file;
};

let sim: SimulatorHandle;
let port: SdkIdentityCenterPort;
let db: TestDatabase;
beforeAll(async () => {
  sim = await startTestSimulator();
  port = createIdentityCenterPort({
    region: DEMO_SEED.region,
    instanceArn: DEMO_SEED.instanceArn,
    identityStoreId: DEMO_SEED.identityStoreId,
    endpoint: sim.url,
  });
  db = await createTestDatabase();
});
afterAll(async () => {
  port.close();
  await sim.close();
  await db.drop();
});

describe("Identity Center group names in the policy", () => {
  it("resolves every named group to its id", async () => {
    const file = groupPolicy("prod-db-admins", "team-data");
    const ids = await checkGroupNames(file, readPolicyFile(file).document, port);
    expect(Object.fromEntries(ids)).toEqual({
      engineering: seedGroup("engineering").groupId,
      "prod-db-admins": seedGroup("prod-db-admins").groupId,
      "team-data": seedGroup("team-data").groupId,
    });
  });

  it("stops loading with the file and path of each unknown or misspelt name, and activates nothing", async () => {
    const file = groupPolicy("Prod-DB-Admins");
    const ctx = { actor: systemActor("startup"), db: db.prisma, now: () => new Date() };
    const failure = await loadPolicy({
      ctx,
      input: { file },
      checks: [
        groupNamesCheck(file, port, (error) => {
          throw error;
        }),
      ],
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PolicyFileError);
    const problems = (failure as PolicyFileError).problems;
    expect(problems).toEqual([
      {
        path: "groupRules[0].identityCenterGroups[1]",
        message: 'the identity store spells this group "prod-db-admins" (names are exact)',
      },
      {
        path: "groupRules[0].requesters.identityCenterGroups[0]",
        message: 'no Identity Center group named "oncall-engineers" in the identity store',
      },
    ]);
    expect((failure as PolicyFileError).message).toContain(file);
    expect(await db.prisma.policy.count({ where: { active: true } })).toBe(0);
  });
});
