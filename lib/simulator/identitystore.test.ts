import {
  DescribeGroupCommand,
  DescribeUserCommand,
  GetGroupIdCommand,
  GetGroupMembershipIdCommand,
  GetUserIdCommand,
  IdentitystoreServiceException,
  IsMemberInGroupsCommand,
  ListGroupMembershipsCommand,
  ListGroupMembershipsForMemberCommand,
  ListUsersCommand,
  ResourceNotFoundException,
  ValidationException,
  paginateListGroupMemberships,
  paginateListGroups,
  paginateListUsers,
  type AlternateIdentifier,
  type IdentitystoreClient,
} from "@aws-sdk/client-identitystore";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PERSONAS } from "../demo/personas";
import { DEMO_SEED, seedGroup, seedUser } from "./seed";
import type { SimulatorHandle } from "./server";
import { rejectionOf, sdkClients, startTestSimulator } from "./testing";

const STORE = DEMO_SEED.identityStoreId;
const alice = seedUser("alice");
const erin = seedUser("erin");
const frank = seedUser("frank");
const engineering = seedGroup("engineering");
const teamPayments = seedGroup("team-payments");

let sim: SimulatorHandle;
let identityStore: IdentitystoreClient;

beforeAll(async () => {
  sim = await startTestSimulator();
  identityStore = sdkClients(sim.url).identityStore;
});
beforeEach(() => sim.reset());
afterAll(() => sim.close());

const getUserId = (AlternateIdentifier: AlternateIdentifier) =>
  identityStore.send(new GetUserIdCommand({ IdentityStoreId: STORE, AlternateIdentifier }));
const byAttribute = (AttributePath: string, AttributeValue: unknown): AlternateIdentifier => ({
  UniqueAttribute: { AttributePath, AttributeValue: AttributeValue as string },
});

describe("users", () => {
  it("finds a user by userName, emails.value or external id, with attribute paths matched case-insensitively", async () => {
    for (const path of ["userName", "UserName", "USERNAME"]) {
      expect(await getUserId(byAttribute(path, "alice@example.com"))).toMatchObject({
        IdentityStoreId: STORE,
        UserId: alice.userId,
      });
    }
    expect((await getUserId(byAttribute("emails.value", "ALICE@example.com"))).UserId).toBe(alice.userId);
    expect((await getUserId({ ExternalId: { Issuer: DEMO_SEED.externalIdIssuer, Id: alice.externalId } })).UserId).toBe(
      alice.userId,
    );
  });

  it("rejects attribute paths that are not unique and empty values", async () => {
    const notUnique = await rejectionOf(getUserId(byAttribute("displayName", "Alice Engineer")));
    expect(notUnique).toBeInstanceOf(ValidationException);
    expect(notUnique.message).toBe("The attribute displayName is not a unique attribute");
    expect(await rejectionOf(getUserId(byAttribute("userName", "")))).toBeInstanceOf(ValidationException);
  });

  it("validates the AlternateIdentifier union: exactly one member", async () => {
    const none = await rejectionOf(getUserId({} as AlternateIdentifier));
    expect(none).toBeInstanceOf(ValidationException);
    expect(none.message).toContain(
      "at 'alternateIdentifier' failed to satisfy constraint: Member must have exactly one of [ExternalId, UniqueAttribute] set",
    );
    const both = {
      ...byAttribute("userName", "alice@example.com"),
      ExternalId: { Issuer: DEMO_SEED.externalIdIssuer, Id: alice.externalId },
    } as AlternateIdentifier;
    expect(await rejectionOf(getUserId(both))).toBeInstanceOf(ValidationException);
  });

  it("answers ResourceNotFoundException with ResourceType and RequestId for missing users and stores", async () => {
    const missing = await rejectionOf(getUserId(byAttribute("userName", "mallory@example.com")));
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect(missing).toMatchObject({ ResourceType: "USER" });
    expect(missing.RequestId).toMatch(/^[0-9a-f-]{36}$/);

    const unknownId = `${STORE.slice(2)}-00000000-0000-4000-8000-000000000000`;
    const missingById = await rejectionOf(
      identityStore.send(new DescribeUserCommand({ IdentityStoreId: STORE, UserId: unknownId })),
    );
    expect(missingById).toMatchObject({
      name: "ResourceNotFoundException",
      ResourceType: "USER",
      ResourceId: unknownId,
    });

    const otherStore = await rejectionOf(
      identityStore.send(new DescribeUserCommand({ IdentityStoreId: "d-0000000000", UserId: alice.userId })),
    );
    expect(otherStore).toBeInstanceOf(ResourceNotFoundException);
    expect(otherStore).toMatchObject({
      ResourceType: "IDENTITY_STORE",
      ResourceId: "d-0000000000",
      message: "IdentityStore not present for IdentityStoreId: d-0000000000",
    });
  });

  it("describes a user with one email, a name and epoch timestamps", async () => {
    const user = await identityStore.send(new DescribeUserCommand({ IdentityStoreId: STORE, UserId: alice.userId }));
    expect(user).toMatchObject({
      IdentityStoreId: STORE,
      UserId: alice.userId,
      UserName: "alice@example.com",
      DisplayName: "Alice Engineer",
      Name: { GivenName: "Alice", FamilyName: "Engineer" },
      Emails: [{ Value: "alice@example.com", Primary: true }],
    });
    expect(user.CreatedAt).toBeInstanceOf(Date);
    expect(user.Extensions).toBeUndefined();
    const withExtension = await identityStore.send(
      new DescribeUserCommand({
        IdentityStoreId: STORE,
        UserId: alice.userId,
        Extensions: ["aws:identitystore:enterprise"],
      }),
    );
    expect(withExtension.Extensions?.["aws:identitystore:enterprise"]).toMatchObject({ department: "Payments" });
  });

  it("pages users and filters them by UserName", async () => {
    const userNames: string[] = [];
    for await (const page of paginateListUsers({ client: identityStore, pageSize: 2 }, { IdentityStoreId: STORE })) {
      expect(page.Users!.length).toBeLessThanOrEqual(2);
      userNames.push(...page.Users!.map((user) => user.UserName!));
    }
    expect(userNames).toEqual(PERSONAS.map((persona) => persona.email));
    const filtered = await identityStore.send(
      new ListUsersCommand({
        IdentityStoreId: STORE,
        Filters: [{ AttributePath: "UserName", AttributeValue: "erin@example.com" }],
      }),
    );
    expect(filtered.Users!.map((user) => user.UserId)).toEqual([erin.userId]);
  });

  it("rejects an empty NextToken, unlike sso-admin", async () => {
    const error = await rejectionOf(
      identityStore.send(new ListUsersCommand({ IdentityStoreId: STORE, NextToken: "" })),
    );
    expect(error).toBeInstanceOf(ValidationException);
    expect(error.message).toContain(
      "Value '' at 'nextToken' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });
});

describe("groups and memberships", () => {
  it("pages groups and finds one by DisplayName", async () => {
    const names: string[] = [];
    for await (const page of paginateListGroups({ client: identityStore, pageSize: 3 }, { IdentityStoreId: STORE }))
      names.push(...page.Groups!.map((group) => group.DisplayName!));
    expect(names.sort()).toEqual(
      [...new Set([...PERSONAS.flatMap((persona) => persona.groups), "prod-db-admins"])].sort(),
    );
    const found = await identityStore.send(
      new GetGroupIdCommand({ IdentityStoreId: STORE, AlternateIdentifier: byAttribute("DisplayName", "engineering") }),
    );
    expect(found).toEqual(expect.objectContaining({ GroupId: engineering.groupId, IdentityStoreId: STORE }));
    const missing = await rejectionOf(
      identityStore.send(
        new GetGroupIdCommand({ IdentityStoreId: STORE, AlternateIdentifier: byAttribute("displayName", "nobody") }),
      ),
    );
    expect(missing).toMatchObject({ name: "ResourceNotFoundException", ResourceType: "GROUP" });
  });

  it("describes a group", async () => {
    const group = await identityStore.send(
      new DescribeGroupCommand({ IdentityStoreId: STORE, GroupId: teamPayments.groupId }),
    );
    expect(group).toMatchObject({
      GroupId: teamPayments.groupId,
      DisplayName: "team-payments",
      IdentityStoreId: STORE,
    });
    expect(group.CreatedAt).toBeInstanceOf(Date);
  });

  it("lists the members of a group and the groups of a member", async () => {
    const members: string[] = [];
    for await (const page of paginateListGroupMemberships(
      { client: identityStore, pageSize: 1 },
      { IdentityStoreId: STORE, GroupId: engineering.groupId },
    )) {
      members.push(...page.GroupMemberships!.map((membership) => membership.MemberId!.UserId!));
    }
    expect(members.sort()).toEqual([alice.userId, erin.userId, frank.userId].sort());
    const forAlice = await identityStore.send(
      new ListGroupMembershipsForMemberCommand({ IdentityStoreId: STORE, MemberId: { UserId: alice.userId } }),
    );
    expect(forAlice.GroupMemberships!.map((membership) => membership.GroupId)).toEqual([
      engineering.groupId,
      teamPayments.groupId,
    ]);
    expect(forAlice.GroupMemberships![0]!.MembershipId).toMatch(/^[0-9a-f]{10}-[0-9a-f-]{36}$/);
  });

  it("answers IsMemberInGroups and GetGroupMembershipId", async () => {
    const { Results } = await identityStore.send(
      new IsMemberInGroupsCommand({
        IdentityStoreId: STORE,
        MemberId: { UserId: erin.userId },
        GroupIds: [engineering.groupId, teamPayments.groupId],
      }),
    );
    expect(Results).toEqual([
      { GroupId: engineering.groupId, MemberId: { UserId: erin.userId }, MembershipExists: true },
      { GroupId: teamPayments.groupId, MemberId: { UserId: erin.userId }, MembershipExists: false },
    ]);
    const membership = await identityStore.send(
      new GetGroupMembershipIdCommand({
        IdentityStoreId: STORE,
        GroupId: engineering.groupId,
        MemberId: { UserId: erin.userId },
      }),
    );
    expect(membership.MembershipId).toMatch(/^[0-9a-f]{10}-/);
    const none = await rejectionOf(
      identityStore.send(
        new GetGroupMembershipIdCommand({
          IdentityStoreId: STORE,
          GroupId: teamPayments.groupId,
          MemberId: { UserId: erin.userId },
        }),
      ),
    );
    expect(none).toMatchObject({ name: "ResourceNotFoundException", ResourceType: "GROUP_MEMBERSHIP" });
  });

  it("validates the MemberId union", async () => {
    const error = await rejectionOf(
      identityStore.send(
        new ListGroupMembershipsForMemberCommand({ IdentityStoreId: STORE, MemberId: {} as { UserId: string } }),
      ),
    );
    expect(error).toBeInstanceOf(ValidationException);
    expect(error.message).toContain("at 'memberId' failed to satisfy constraint");
  });

  it("in AD-sync mode answers UnknownOperationException for membership lists and GetGroupId by attribute", async () => {
    sim.setConfig({ identitySource: "ad-sync" });
    const calls = [
      identityStore.send(new ListGroupMembershipsCommand({ IdentityStoreId: STORE, GroupId: engineering.groupId })),
      identityStore.send(
        new ListGroupMembershipsForMemberCommand({ IdentityStoreId: STORE, MemberId: { UserId: alice.userId } }),
      ),
      identityStore.send(
        new GetGroupIdCommand({
          IdentityStoreId: STORE,
          AlternateIdentifier: byAttribute("displayName", "engineering"),
        }),
      ),
    ];
    for (const call of calls) {
      const error = await rejectionOf(call);
      expect(error).toBeInstanceOf(IdentitystoreServiceException);
      expect(error.name).toBe("UnknownOperationException");
    }
    expect((await getUserId(byAttribute("userName", "alice@example.com"))).UserId).toBe(alice.userId);
  });
});
