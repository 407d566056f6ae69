import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_SEED, seedGroup, seedUser } from "../simulator/seed";
import type { SimulatorHandle } from "../simulator/server";
import { startTestSimulator } from "../simulator/testing";
import { createIdentityCenterPort, type SdkIdentityCenterPort } from "./identity-center-port";
import type { RateLimiter } from "./rate-limiter";

let sim: SimulatorHandle;
let port: SdkIdentityCenterPort;
let acquired = 0;
const countingLimiter: RateLimiter = {
  acquire: async () => {
    acquired += 1;
  },
};
const alice = seedUser("alice");
const prodDbAdmins = seedGroup("prod-db-admins");
const engineering = seedGroup("engineering");

beforeAll(async () => {
  sim = await startTestSimulator();
  port = createIdentityCenterPort(
    {
      region: DEMO_SEED.region,
      instanceArn: DEMO_SEED.instanceArn,
      identityStoreId: DEMO_SEED.identityStoreId,
      endpoint: sim.url,
      maxAttempts: 1,
    },
    { limiter: countingLimiter },
  );
});
beforeEach(() => {
  sim.reset();
  acquired = 0;
});
afterAll(async () => {
  port.close();
  await sim.close();
});

describe("group membership through the port", () => {
  it("adds, verifies and removes a membership, each call paced by the shared limiter", async () => {
    const added = await port.addGroupMember(prodDbAdmins.groupId, alice.userId);
    expect(added).toMatchObject({ status: "CREATED" });
    const membershipId = (added as { membershipId: string }).membershipId;
    expect(await port.findGroupMembership(prodDbAdmins.groupId, alice.userId)).toEqual({
      status: "MEMBER",
      membershipId,
    });
    expect(await port.isMemberInGroup(prodDbAdmins.groupId, alice.userId)).toBe(true);
    expect(await port.listGroupMemberIds(prodDbAdmins.groupId)).toEqual([alice.userId]);
    expect(await port.removeGroupMember(membershipId)).toBe("REMOVED");
    expect(await port.findGroupMembership(prodDbAdmins.groupId, alice.userId)).toEqual({ status: "NOT_MEMBER" });
    expect(await port.isMemberInGroup(prodDbAdmins.groupId, alice.userId)).toBe(false);
    expect(acquired).toBe(7);
  });

  it("reads a duplicate as ALREADY_MEMBER and a second removal as ALREADY_ABSENT", async () => {
    expect(await port.addGroupMember(engineering.groupId, alice.userId)).toEqual({ status: "ALREADY_MEMBER" });
    const added = (await port.addGroupMember(prodDbAdmins.groupId, alice.userId)) as { membershipId: string };
    expect(await port.removeGroupMember(added.membershipId)).toBe("REMOVED");
    expect(await port.removeGroupMember(added.membershipId)).toBe("ALREADY_ABSENT");
  });

  it("tells a deleted group apart from a missing membership", async () => {
    expect(await port.findGroupIdByDisplayName("prod-db-admins")).toBe(prodDbAdmins.groupId);
    await fetch(`${sim.url}/__sim/groups/delete`, {
      method: "POST",
      body: JSON.stringify({ groupId: prodDbAdmins.groupId }),
    });
    expect(await port.findGroupIdByDisplayName("prod-db-admins")).toBeNull();
    expect(await port.addGroupMember(prodDbAdmins.groupId, alice.userId)).toEqual({ status: "GROUP_NOT_FOUND" });
    expect(await port.findGroupMembership(prodDbAdmins.groupId, alice.userId)).toEqual({ status: "GROUP_NOT_FOUND" });
    expect(await port.listGroupMemberIds(prodDbAdmins.groupId)).toBeNull();
  });
});
