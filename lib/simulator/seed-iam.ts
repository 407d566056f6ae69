// The demo organization's IAM side: the audit role, IAM users and access keys per account, managed policies per set.
import type { SeedAccessKey, SeedAuditRole, SeedIamAccount, SeedPermissionSet } from "./seed";

export const DEMO_AUDIT_ROLE: SeedAuditRole = { roleName: "JitPortalAudit", externalId: "jit-portal-audit-demo" };

const AWS_MANAGED = "arn:aws:iam::aws:policy";

/** Attached policies by permission set name; they decide a set's sensitivity when the policy file does not. */
export const MANAGED_POLICIES_BY_SET: Record<
  string,
  Pick<SeedPermissionSet, "managedPolicyArns" | "customerManagedPolicies">
> = {
  ReadOnly: { managedPolicyArns: [`${AWS_MANAGED}/ReadOnlyAccess`] },
  PowerUser: {
    managedPolicyArns: [`${AWS_MANAGED}/PowerUserAccess`],
    customerManagedPolicies: [{ name: "DenyIamUserCreation", path: "/guardrails/" }],
  },
  AdministratorAccess: { managedPolicyArns: [`${AWS_MANAGED}/AdministratorAccess`] },
  BillingAdmin: {
    managedPolicyArns: [`${AWS_MANAGED}/job-function/Billing`, `${AWS_MANAGED}/AWSBillingReadOnlyAccess`],
  },
};

const key = (lastRotatedDaysAgo: number, lastUsedDaysAgo: number | null, active = true): SeedAccessKey => ({
  active,
  lastRotatedDaysAgo,
  lastUsedDaysAgo,
  ...(lastUsedDaysAgo !== null ? { lastUsedService: "s3" } : {}),
});

/** A mix worth measuring: old and unused keys, console users without MFA, a root access key, one account without the role. */
export function demoIamAccounts(accountId: (name: string) => string): SeedIamAccount[] {
  const account = (name: string, rest: Omit<SeedIamAccount, "accountId" | "auditRole"> & { auditRole?: boolean }) => ({
    accountId: accountId(name),
    auditRole: true,
    ...rest,
  });
  return [
    account("Management", {
      rootMfaActive: true,
      rootAccessKeys: [key(1400, 610)],
      users: [
        {
          userName: "break-glass",
          createdDaysAgo: 1500,
          passwordLastUsedDaysAgo: 400,
          mfaActive: true,
          accessKeys: [],
        },
      ],
    }),
    account("payments-prod", {
      rootMfaActive: true,
      rootAccessKeys: [],
      users: [
        {
          userName: "ci-deployer",
          createdDaysAgo: 900,
          mfaActive: false,
          accessKeys: [key(412, 1), key(700, 650, false)],
        },
        { userName: "legacy-reporting", createdDaysAgo: 800, mfaActive: false, accessKeys: [key(210, null)] },
        { userName: "ops-console", createdDaysAgo: 300, passwordLastUsedDaysAgo: 3, mfaActive: false, accessKeys: [] },
      ],
    }),
    account("payments-staging", {
      rootMfaActive: true,
      rootAccessKeys: [],
      users: [{ userName: "ci-deployer", createdDaysAgo: 200, mfaActive: false, accessKeys: [key(30, 0)] }],
    }),
    account("data-prod", {
      rootMfaActive: true,
      rootAccessKeys: [],
      users: [
        { userName: "etl-runner", createdDaysAgo: 500, mfaActive: false, accessKeys: [key(120, 100), key(10, 1)] },
        { userName: "analyst", createdDaysAgo: 150, passwordLastUsedDaysAgo: 20, mfaActive: false, accessKeys: [] },
      ],
    }),
    account("data-staging", { rootMfaActive: true, rootAccessKeys: [], users: [] }),
    account("sandbox-alice", {
      rootMfaActive: true,
      rootAccessKeys: [],
      users: [
        {
          userName: "alice-sandbox",
          createdDaysAgo: 40,
          passwordLastUsedDaysAgo: 1,
          mfaActive: false,
          accessKeys: [key(5, 1)],
        },
      ],
    }),
    // No audit role here: the scorecard must show "not measured", never zero.
    account("sandbox-erin", { auditRole: false, rootMfaActive: true, rootAccessKeys: [], users: [] }),
    account("security-tooling", {
      rootMfaActive: true,
      rootAccessKeys: [],
      users: [{ userName: "scanner", createdDaysAgo: 100, mfaActive: false, accessKeys: [key(60, 0)] }],
    }),
    account("log-archive", { rootMfaActive: false, rootAccessKeys: [], users: [] }),
  ];
}
