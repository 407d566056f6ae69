// A large organization for benchmarks: thousands of accounts, many permission sets provisioned to each, and
// thousands of standing assignments, built on the demo instance and identity store. Not the dev seed.
import { createHash } from "node:crypto";
import {
  DEMO_SEED,
  INSTANCE_ID,
  type DemoSeed,
  type SeedAccount,
  type SeedAssignment,
  type SeedIamAccount,
  type SeedOrganizationalUnit,
  type SeedPermissionSet,
} from "./seed";

export interface ScaledSeedOptions {
  /** Member accounts (the management account comes on top). */
  accounts: number;
  /** Permission sets provisioned to every member account. */
  permissionSetsPerAccount: number;
  /** Standing assignments spread over accounts, sets and the demo users and groups. */
  assignments: number;
  /** Every n-th account has no audit role (0: all have it). */
  auditRoleMissingEvery?: number;
  /** Organizational units under the root, accounts spread across them. */
  organizationalUnits?: number;
}

export const BENCH_SCALE: ScaledSeedOptions = { accounts: 1_000, permissionSetsPerAccount: 50, assignments: 5_000 };

const AWS_MANAGED = "arn:aws:iam::aws:policy";
// A realistic mix: most sets read-only or scoped, some privileged by their managed policies.
const POLICY_MIX = [
  "ReadOnlyAccess",
  "ViewOnlyAccess",
  "job-function/DatabaseAdministrator",
  "PowerUserAccess",
  "AmazonS3ReadOnlyAccess",
  "job-function/Billing",
  "AdministratorAccess",
  "SecurityAudit",
  "IAMFullAccess",
  "AmazonEC2FullAccess",
];

const hex = (label: string, length: number) =>
  createHash("sha256").update(`jit-simulator-scale:${label}`).digest("hex").slice(0, length);

export function scaledSeed(options: ScaledSeedOptions = BENCH_SCALE): DemoSeed {
  const { accounts: accountCount, permissionSetsPerAccount, assignments: assignmentCount } = options;
  const missingEvery = options.auditRoleMissingEvery ?? 50;
  const principals = [
    ...DEMO_SEED.users.map((user) => ({ principalType: "USER" as const, principalId: user.userId })),
    ...DEMO_SEED.groups.map((group) => ({ principalType: "GROUP" as const, principalId: group.groupId })),
  ];
  if (assignmentCount > accountCount * permissionSetsPerAccount * principals.length)
    throw new RangeError("more assignments than distinct (account, permission set, principal) tuples");

  const rootId = DEMO_SEED.organization.rootId;
  const organizationalUnits: SeedOrganizationalUnit[] = Array.from(
    { length: options.organizationalUnits ?? 10 },
    (_, index) => {
      const id = `ou-${rootId.slice(2)}-${hex(`ou:${index}`, 8)}`;
      return {
        id,
        name: `Unit-${String(index + 1).padStart(2, "0")}`,
        parentId: rootId,
        arn: `arn:aws:organizations::${DEMO_SEED.managementAccountId}:ou/${DEMO_SEED.organization.id}/${id}`,
      };
    },
  );
  const management = DEMO_SEED.accounts.find((account) => account.id === DEMO_SEED.managementAccountId)!;
  const members: SeedAccount[] = Array.from({ length: accountCount }, (_, index) => {
    const name = `acct-${String(index + 1).padStart(4, "0")}`;
    return {
      id: String(200_000_000_000 + index),
      name,
      email: `aws+${name}@example.com`,
      parentId: organizationalUnits[index % organizationalUnits.length]?.id ?? rootId,
      joinedMethod: "CREATED",
      joinedAtMs: Date.UTC(2022, 0, 1) + index * 3_600_000,
    };
  });

  const permissionSets: SeedPermissionSet[] = Array.from({ length: permissionSetsPerAccount }, (_, index) => {
    const policy = POLICY_MIX[index % POLICY_MIX.length]!;
    return {
      name: `Set-${String(index + 1).padStart(3, "0")}`,
      arn: `arn:aws:sso:::permissionSet/${INSTANCE_ID}/ps-${hex(`ps:${index}`, 16)}`,
      description: `Benchmark permission set ${index + 1} (${policy})`,
      sessionDuration: "PT1H",
      createdAtMs: Date.UTC(2022, 0, 1),
      managedPolicyArns: [`${AWS_MANAGED}/${policy}`],
    };
  });

  const provisioned = members.flatMap((account) =>
    permissionSets.map((set) => ({ accountId: account.id, permissionSetArn: set.arn })),
  );
  // Tuple i: account i mod N, then the set, then the principal, so the first N·S tuples use distinct (account, set) pairs.
  const standingAssignments: SeedAssignment[] = Array.from({ length: assignmentCount }, (_, index) => {
    const pair = index % (accountCount * permissionSetsPerAccount);
    const round = Math.floor(index / (accountCount * permissionSetsPerAccount));
    return {
      accountId: members[pair % accountCount]!.id,
      permissionSetArn: permissionSets[Math.floor(pair / accountCount)]!.arn,
      ...principals[(index + round) % principals.length]!,
    };
  });

  const iamAccounts: SeedIamAccount[] = members.map((account, index) => ({
    accountId: account.id,
    auditRole: missingEvery === 0 || index % missingEvery !== missingEvery - 1,
    rootMfaActive: index % 7 !== 0,
    rootAccessKeys: index % 97 === 0 ? [{ active: true, lastRotatedDaysAgo: 900, lastUsedDaysAgo: 400 }] : [],
    users: [
      {
        userName: "ci-deployer",
        createdDaysAgo: 400,
        mfaActive: false,
        accessKeys: [
          { active: true, lastRotatedDaysAgo: 30 + (index % 300), lastUsedDaysAgo: index % 3 === 0 ? null : 1 },
        ],
      },
      {
        userName: "console-user",
        createdDaysAgo: 200,
        passwordLastUsedDaysAgo: 5,
        mfaActive: index % 2 === 0,
        accessKeys: [],
      },
    ],
  }));

  return {
    ...DEMO_SEED,
    organizationalUnits,
    accounts: [management, ...members],
    permissionSets,
    standingAssignments,
    provisioned,
    iamAccounts: [
      { accountId: management.id, auditRole: true, rootMfaActive: true, rootAccessKeys: [], users: [] },
      ...iamAccounts,
    ],
  };
}
