import { describe, expect, it } from "vitest";
import { PERSONAS } from "../demo/personas";
import {
  DEMO_SEED,
  MANAGEMENT_ACCOUNT_ID,
  seedAccount,
  seedAccountByName,
  seedGroup,
  seedOrganizationalUnit,
  seedPermissionSet,
  seedPermissionSetByName,
  seedUser,
  seedUserByEmail,
} from "./seed";
import { PATTERNS } from "./validation";

const wholeMatch = (pattern: string) => new RegExp(`^(?:${pattern})$`, pattern.includes("\\p{") ? "u" : "");

describe("demo seed", () => {
  it("uses identifiers that satisfy the service models' patterns", () => {
    expect(DEMO_SEED.instanceArn).toMatch(/^arn:aws:sso:::instance\/ssoins-[0-9a-f]{16}$/);
    expect(DEMO_SEED.identityStoreId).toMatch(/^d-[0-9a-f]{10}$/);
    expect(DEMO_SEED.organization.id).toMatch(/^o-[a-z0-9]{10}$/);
    expect(DEMO_SEED.organization.rootId).toMatch(/^r-[0-9a-z]{4}$/);
    for (const set of DEMO_SEED.permissionSets) expect(set.arn).toMatch(wholeMatch(PATTERNS.permissionSetArn));
    for (const set of DEMO_SEED.permissionSets) expect(set.arn).toMatch(/\/ps-[0-9a-f]{16}$/);
    for (const unit of DEMO_SEED.organizationalUnits) expect(unit.id).toMatch(wholeMatch(PATTERNS.organizationsOuId));
    const storeHex = DEMO_SEED.identityStoreId.slice(2);
    for (const id of [
      ...DEMO_SEED.users.map((user) => user.userId),
      ...DEMO_SEED.groups.map((group) => group.groupId),
    ]) {
      expect(id).toMatch(wholeMatch(PATTERNS.principalId));
      expect(id.startsWith(`${storeHex}-`)).toBe(true);
    }
  });

  it("has distinct 12-digit accounts with the management account first", () => {
    const ids = DEMO_SEED.accounts.map((account) => account.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^\d{12}$/);
    expect(ids[0]).toBe(MANAGEMENT_ACCOUNT_ID);
    expect(seedAccount("payments-prod").id).toBe("210987654321");
  });

  it("mirrors the personas: user name is the email, groups and memberships follow the persona groups", () => {
    for (const persona of PERSONAS) {
      const user = seedUser(persona.key);
      expect(user.userName).toBe(persona.email);
      const groupNames = DEMO_SEED.memberships
        .filter((membership) => membership.userId === user.userId)
        .map((membership) => DEMO_SEED.groups.find((group) => group.groupId === membership.groupId)!.displayName);
      expect(groupNames).toEqual(persona.groups);
    }
  });

  it("keeps permission set session durations", () => {
    expect(Object.fromEntries(DEMO_SEED.permissionSets.map((set) => [set.name, set.sessionDuration]))).toEqual({
      ReadOnly: "PT1H",
      PowerUser: "PT4H",
      AdministratorAccess: "PT1H",
      BillingAdmin: "PT2H",
    });
  });

  it("gives stable ids across imports and fails loudly on unknown names", () => {
    // Persisted simulator state and e2e fixtures refer to these ids; changing them orphans saved assignments.
    expect(seedUser("alice").userId).toBe("9067c4e1a2-5d6589f5-9e08-43ad-b30d-6d11377074fc");
    expect(seedGroup("engineering").groupId).not.toBe(seedGroup("approvers").groupId);
    expect(() => seedPermissionSet("Nope")).toThrow(/no permission set named "Nope"/);
    expect(() => seedAccount("nope")).toThrow(/no account named/);
  });

  it("holds three standing assignments: dave's on security-tooling and the scorecard's user and group AdministratorAccess", () => {
    const administratorAccess = seedPermissionSetByName("AdministratorAccess").arn;
    expect(DEMO_SEED.standingAssignments).toEqual([
      {
        accountId: seedAccountByName("security-tooling").id,
        permissionSetArn: administratorAccess,
        principalType: "USER",
        principalId: seedUser("dave").userId,
      },
      {
        accountId: seedAccountByName("log-archive").id,
        permissionSetArn: administratorAccess,
        principalType: "USER",
        principalId: seedUser("frank").userId,
      },
      {
        accountId: seedAccountByName("data-staging").id,
        permissionSetArn: administratorAccess,
        principalType: "GROUP",
        principalId: seedGroup("team-data").groupId,
      },
    ]);
  });

  it("finds seed entries by name and email, case-insensitively for email", () => {
    expect(DEMO_SEED.managementAccountId).toBe(MANAGEMENT_ACCOUNT_ID);
    expect(seedAccountByName("Management").parentId).toBe(DEMO_SEED.organization.rootId);
    expect(seedAccountByName("payments-prod").parentId).toBe(seedOrganizationalUnit("Production").id);
    expect(seedOrganizationalUnit("Production").parentId).toBe(seedOrganizationalUnit("Workloads").id);
    expect(seedPermissionSetByName("PowerUser").sessionDuration).toBe("PT4H");
    const alice = seedUserByEmail("Alice@Example.com");
    expect(alice).toMatchObject({
      key: "alice",
      name: "Alice Engineer",
      userName: "alice@example.com",
      groups: ["engineering", "team-payments"],
    });
    expect(() => seedUserByEmail("nobody@example.com")).toThrow(/no user with email/);
  });
});
