import {
  ConflictException,
  CreateGroupMembershipCommand,
  DeleteGroupMembershipCommand,
  GetGroupIdCommand,
  GetGroupMembershipIdCommand,
  IsMemberInGroupsCommand,
  ListGroupMembershipsForMemberCommand,
  ResourceNotFoundException,
  ValidationException,
  paginateListGroupMembershipsForMember,
  type IdentitystoreClient,
} from "@aws-sdk/client-identitystore";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_SEED, seedGroup, seedUser } from "./seed";
import type { SimulatorHandle } from "./server";
import { rejectionOf, sdkClients, startTestSimulator } from "./testing";

const STORE = DEMO_SEED.identityStoreId;
const alice = seedUser("alice");
const frank = seedUser("frank");
const prodDbAdmins = seedGroup("prod-db-admins");
const engineering = seedGroup("engineering");

let sim: SimulatorHandle;
let identityStore: IdentitystoreClient;

beforeAll(async () => {
  sim = await startTestSimulator();
  identityStore = sdkClients(sim.url).identityStore;
});
beforeEach(() => sim.reset());
afterAll(() => sim.close());

const create = (GroupId: string, UserId: string) =>
  identityStore.send(new CreateGroupMembershipCommand({ IdentityStoreId: STORE, GroupId, MemberId: { UserId } }));
const membershipIdOf = (GroupId: string, UserId: string) =>
  identityStore.send(new GetGroupMembershipIdCommand({ IdentityStoreId: STORE, GroupId, MemberId: { UserId } }));
const isMember = async (GroupId: string, UserId: string) =>
  (
    await identityStore.send(
      new IsMemberInGroupsCommand({ IdentityStoreId: STORE, MemberId: { UserId }, GroupIds: [GroupId] }),
    )
  ).Results![0]!.MembershipExists;
const control = (method: string, path: string, body: unknown) =>
  fetch(`${sim.url}${path}`, { method, body: JSON.stringify(body) });

describe("CreateGroupMembership and DeleteGroupMembership", () => {
  it("adds a member, which GetGroupMembershipId and IsMemberInGroups then see, and deletes it by membership id", async () => {
    expect(await isMember(prodDbAdmins.groupId, alice.userId)).toBe(false);
    const created = await create(prodDbAdmins.groupId, alice.userId);
    expect(created.IdentityStoreId).toBe(STORE);
    expect(created.MembershipId).toMatch(/^[0-9a-f]{10}-[0-9a-f-]{36}$/);
    expect((await membershipIdOf(prodDbAdmins.groupId, alice.userId)).MembershipId).toBe(created.MembershipId);
    expect(await isMember(prodDbAdmins.groupId, alice.userId)).toBe(true);
    expect(sim.getState().groupMemberships).toContainEqual(
      expect.objectContaining({ membershipId: created.MembershipId, origin: "api" }),
    );

    await identityStore.send(
      new DeleteGroupMembershipCommand({ IdentityStoreId: STORE, MembershipId: created.MembershipId }),
    );
    expect(await isMember(prodDbAdmins.groupId, alice.userId)).toBe(false);
    const gone = await rejectionOf(membershipIdOf(prodDbAdmins.groupId, alice.userId));
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
    expect(gone).toMatchObject({ ResourceType: "GROUP_MEMBERSHIP" });
  });

  it("answers ConflictException for a duplicate membership and keeps the first one", async () => {
    const first = await create(prodDbAdmins.groupId, alice.userId);
    const duplicate = await rejectionOf(create(prodDbAdmins.groupId, alice.userId));
    expect(duplicate).toBeInstanceOf(ConflictException);
    expect(duplicate).toMatchObject({ Reason: "UNIQUENESS_CONSTRAINT_VIOLATION" });
    expect((await membershipIdOf(prodDbAdmins.groupId, alice.userId)).MembershipId).toBe(first.MembershipId);
    // A seeded membership is a duplicate too.
    expect(await rejectionOf(create(engineering.groupId, alice.userId))).toBeInstanceOf(ConflictException);
  });

  it("answers ResourceNotFoundException for an unknown group, user, membership or store", async () => {
    const unknownId = `${STORE.slice(2)}-00000000-0000-4000-8000-000000000000`;
    expect(await rejectionOf(create(unknownId, alice.userId))).toMatchObject({
      name: "ResourceNotFoundException",
      ResourceType: "GROUP",
    });
    expect(await rejectionOf(create(prodDbAdmins.groupId, unknownId))).toMatchObject({
      name: "ResourceNotFoundException",
      ResourceType: "USER",
    });
    expect(
      await rejectionOf(
        identityStore.send(new DeleteGroupMembershipCommand({ IdentityStoreId: STORE, MembershipId: unknownId })),
      ),
    ).toMatchObject({ name: "ResourceNotFoundException", ResourceType: "GROUP_MEMBERSHIP", ResourceId: unknownId });
    expect(
      await rejectionOf(
        identityStore.send(
          new CreateGroupMembershipCommand({
            IdentityStoreId: "d-0000000000",
            GroupId: prodDbAdmins.groupId,
            MemberId: { UserId: alice.userId },
          }),
        ),
      ),
    ).toMatchObject({ name: "ResourceNotFoundException", ResourceType: "IDENTITY_STORE" });
  });

  it("validates ids and the MemberId union as the model does", async () => {
    const badGroup = await rejectionOf(create("not-a-group-id", alice.userId));
    expect(badGroup).toBeInstanceOf(ValidationException);
    expect(badGroup.message).toContain("at 'groupId' failed to satisfy constraint");
    const noMember = await rejectionOf(
      identityStore.send(
        new CreateGroupMembershipCommand({
          IdentityStoreId: STORE,
          GroupId: prodDbAdmins.groupId,
          MemberId: {} as { UserId: string },
        }),
      ),
    );
    expect(noMember).toBeInstanceOf(ValidationException);
    const badMembership = await rejectionOf(
      identityStore.send(new DeleteGroupMembershipCommand({ IdentityStoreId: STORE, MembershipId: "x" })),
    );
    expect(badMembership).toBeInstanceOf(ValidationException);
    expect(badMembership.message).toContain("at 'membershipId' failed to satisfy constraint");
  });
});

describe("ListGroupMembershipsForMember", () => {
  it("pages a member's groups, including one made through the API, and rejects an empty token", async () => {
    await create(prodDbAdmins.groupId, frank.userId);
    const groupIds: string[] = [];
    for await (const page of paginateListGroupMembershipsForMember(
      { client: identityStore, pageSize: 2 },
      { IdentityStoreId: STORE, MemberId: { UserId: frank.userId } },
    ))
      groupIds.push(...page.GroupMemberships!.map((membership) => membership.GroupId!));
    expect(groupIds).toHaveLength(5);
    expect(groupIds).toContain(prodDbAdmins.groupId);
    const firstPage = await identityStore.send(
      new ListGroupMembershipsForMemberCommand({
        IdentityStoreId: STORE,
        MemberId: { UserId: frank.userId },
        MaxResults: 2,
      }),
    );
    expect(firstPage.NextToken).toBeTruthy();
    const emptyToken = await rejectionOf(
      identityStore.send(
        new ListGroupMembershipsForMemberCommand({
          IdentityStoreId: STORE,
          MemberId: { UserId: frank.userId },
          NextToken: "",
        }),
      ),
    );
    expect(emptyToken).toBeInstanceOf(ValidationException);
  });
});

describe("control endpoints", () => {
  it("adds and removes a member out of band, as the console or a SCIM sync would", async () => {
    const added = await control("POST", "/__sim/group-memberships", {
      groupId: prodDbAdmins.groupId,
      userId: alice.userId,
    });
    expect(added.status).toBe(201);
    expect(await isMember(prodDbAdmins.groupId, alice.userId)).toBe(true);
    expect(sim.getState().groupMemberships).toContainEqual(
      expect.objectContaining({ groupId: prodDbAdmins.groupId, userId: alice.userId, origin: "out-of-band" }),
    );
    const removed = await control("DELETE", "/__sim/group-memberships", {
      groupId: prodDbAdmins.groupId,
      userId: alice.userId,
    });
    expect(await removed.json()).toEqual({ removed: true });
    expect(await isMember(prodDbAdmins.groupId, alice.userId)).toBe(false);
    expect((await control("POST", "/__sim/group-memberships", { groupId: "nope", userId: alice.userId })).status).toBe(
      400,
    );
  });

  it("deletes a group: its name no longer resolves and creating a membership answers ResourceNotFound", async () => {
    await create(prodDbAdmins.groupId, alice.userId);
    expect(await (await control("POST", "/__sim/groups/delete", { groupId: prodDbAdmins.groupId })).json()).toEqual({
      deleted: true,
    });
    const lookup = await rejectionOf(
      identityStore.send(
        new GetGroupIdCommand({
          IdentityStoreId: STORE,
          AlternateIdentifier: { UniqueAttribute: { AttributePath: "displayName", AttributeValue: "prod-db-admins" } },
        }),
      ),
    );
    expect(lookup).toMatchObject({ name: "ResourceNotFoundException", ResourceType: "GROUP" });
    expect(await rejectionOf(create(prodDbAdmins.groupId, frank.userId))).toMatchObject({ ResourceType: "GROUP" });
    expect(await isMember(prodDbAdmins.groupId, alice.userId)).toBe(false);
  });
});
