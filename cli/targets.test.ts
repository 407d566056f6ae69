import { describe, expect, it } from "vitest";
import { resolveGroups, resolveTarget, type RequestableGroup, type RequestableTarget } from "./targets";

const target = (accountId: string, accountName: string, permissionSetName: string): RequestableTarget => ({
  accountId,
  accountName,
  permissionSetName,
  permissionSetArn: `arn:aws:sso:::permissionSet/ssoins-1/${permissionSetName}`,
  maxDurationMinutes: 60,
  approval: "auto",
  ticketRequired: false,
});

const TARGETS = [
  target("210987654321", "payments-prod", "ReadOnly"),
  target("210987654321", "payments-prod", "PowerUser"),
  target("320198765432", "payments-staging", "ReadOnly"),
  target("650432198765", "sandbox-alice", "ReadOnly"),
  target("650432198765", "sandbox-alice", "AdministratorAccess"),
];

describe("resolveTarget", () => {
  it.each([
    ["the account name and set", "payments-prod", "PowerUser", "210987654321", "PowerUser"],
    ["the account id", "650432198765", "ReadOnly", "650432198765", "ReadOnly"],
    ["other letter case", "Payments-Prod", "poweruser", "210987654321", "PowerUser"],
    ["surrounding blanks", " sandbox-alice ", " AdministratorAccess ", "650432198765", "AdministratorAccess"],
  ])("finds the target by %s", (_why, account, set, accountId, permissionSetName) => {
    const resolved = resolveTarget(TARGETS, account, set);
    expect(resolved.ok && [resolved.value.accountId, resolved.value.permissionSetName]).toEqual([
      accountId,
      permissionSetName,
    ]);
  });

  it.each([
    [
      "a misspelt account",
      "paymnets-prod",
      "PowerUser",
      'any account named "paymnets-prod". Did you mean payments-prod?',
    ],
    ["an ambiguous account", "payments", "ReadOnly", "Did you mean payments-prod or payments-staging?"],
    [
      "an unknown account id (no guessing at digits)",
      "999999999999",
      "ReadOnly",
      'named "999999999999". Run jit targets',
    ],
    ["an account nothing resembles", "kubernetes", "ReadOnly", 'named "kubernetes". Run jit targets'],
    [
      "a misspelt set",
      "sandbox-alice",
      "ReadOnyl",
      "Did you mean ReadOnly? On sandbox-alice you may request: ReadOnly, AdministratorAccess.",
    ],
    [
      "a set allowed elsewhere only",
      "payments-staging",
      "PowerUser",
      'not request "PowerUser" on payments-staging. On payments-staging you may request: ReadOnly.',
    ],
  ])("explains %s", (_why, account, set, message) => {
    const resolved = resolveTarget(TARGETS, account, set);
    expect(resolved.ok).toBe(false);
    expect(!resolved.ok && resolved.message).toContain(message);
  });

  it("says so when nothing at all may be requested", () => {
    const resolved = resolveTarget([], "payments-prod", "ReadOnly");
    expect(!resolved.ok && resolved.message).toBe(
      'You may not request access to any account named "payments-prod". Run jit targets to list what you may request.',
    );
  });
});

describe("resolveGroups", () => {
  const group = (name: string): RequestableGroup => ({
    name,
    label: `membership of Identity Center group "${name}"`,
    maxDurationMinutes: 120,
    approval: "required",
    ticketRequired: false,
  });
  const GROUPS = [group("prod-db-admins"), group("on-call")];

  it("finds each group by name in any case, once", () => {
    const resolved = resolveGroups(GROUPS, ["Prod-DB-Admins", " on-call ", "prod-db-admins"]);
    expect(resolved.ok && resolved.value.map((g) => g.name)).toEqual(["prod-db-admins", "on-call"]);
  });

  it("refuses a group the caller may not join, suggesting a close one", () => {
    expect(resolveGroups(GROUPS, ["prod-db-admin"])).toEqual({
      ok: false,
      message:
        'You may not request membership of an Identity Center group named "prod-db-admin". Did you mean prod-db-admins? Run jit targets to list what you may request.',
    });
  });
});
