// The demo organization, Identity Center instance and identity store the simulator starts with.
import { createHash } from "node:crypto";
import { PERSONAS, type PersonaKey } from "../demo/personas";
import { DEMO_AUDIT_ROLE, demoIamAccounts, MANAGED_POLICIES_BY_SET } from "./seed-iam";

export type PrincipalType = "USER" | "GROUP";

export interface SeedOrganization {
  id: string;
  arn: string;
  featureSet: "ALL";
  managementAccountId: string;
  managementAccountEmail: string;
  rootId: string;
  rootArn: string;
  rootName: string;
}

export interface SeedOrganizationalUnit {
  id: string;
  arn: string;
  name: string;
  parentId: string;
}

export interface SeedAccount {
  id: string;
  name: string;
  email: string;
  /** Root or OU the account sits in directly. */
  parentId: string;
  joinedMethod: "CREATED" | "INVITED";
  joinedAtMs: number;
}

export interface SeedPermissionSet {
  name: string;
  arn: string;
  description: string;
  /** ISO-8601 duration, PT1H..PT12H. */
  sessionDuration: string;
  createdAtMs: number;
  /** AWS managed policies attached to the set (ListManagedPoliciesInPermissionSet). */
  managedPolicyArns?: readonly string[];
  customerManagedPolicies?: readonly { name: string; path: string }[];
}

/** One access key (or the root's) as the credential report shows it; times are days before the report is generated. */
export interface SeedAccessKey {
  active: boolean;
  lastRotatedDaysAgo: number;
  /** null: never used (N/A in the report). */
  lastUsedDaysAgo: number | null;
  lastUsedService?: string;
}

export interface SeedIamUser {
  userName: string;
  createdDaysAgo: number;
  /** Set when the user has a console password: days since it was last used (null: never). */
  passwordLastUsedDaysAgo?: number | null;
  mfaActive: boolean;
  accessKeys: readonly SeedAccessKey[];
}

/** A member account's IAM side: whether the portal's audit role exists there, its root user and IAM users. */
export interface SeedIamAccount {
  accountId: string;
  auditRole: boolean;
  rootMfaActive: boolean;
  rootAccessKeys: readonly SeedAccessKey[];
  users: readonly SeedIamUser[];
}

/** The read-only audit role deployed in member accounts (docs/audit-role.md). */
export interface SeedAuditRole {
  roleName: string;
  externalId: string;
}

export interface SeedUser {
  /** Persona key from lib/demo/personas.ts. */
  key: PersonaKey;
  /** Same as `key`; kept for callers written before `key` existed. */
  personaKey: PersonaKey;
  userId: string;
  /** Persona name, also the user's DisplayName. */
  name: string;
  userName: string;
  displayName: string;
  givenName: string;
  familyName: string;
  email: string;
  externalId: string;
  /** Display names of the groups the user belongs to. */
  groups: readonly string[];
  createdAtMs: number;
}

export interface SeedGroup {
  groupId: string;
  displayName: string;
  description: string;
  createdAtMs: number;
}

export interface SeedMembership {
  membershipId: string;
  groupId: string;
  userId: string;
}

export interface SeedAssignment {
  accountId: string;
  permissionSetArn: string;
  principalType: PrincipalType;
  principalId: string;
}

export interface DemoSeed {
  region: string;
  instanceArn: string;
  instanceName: string;
  instanceCreatedAtMs: number;
  identityStoreId: string;
  /** Account that owns the organization and the Identity Center instance. */
  managementAccountId: string;
  /** External IdP issuer recorded on users' ExternalIds (SCIM provisioning). */
  externalIdIssuer: string;
  organization: SeedOrganization;
  organizationalUnits: readonly SeedOrganizationalUnit[];
  accounts: readonly SeedAccount[];
  /** Member account registered as Identity Center delegated administrator. */
  delegatedAdminAccountId: string;
  permissionSets: readonly SeedPermissionSet[];
  users: readonly SeedUser[];
  groups: readonly SeedGroup[];
  memberships: readonly SeedMembership[];
  /** Assignments that exist before the portal ever runs; the portal must never remove them. */
  standingAssignments: readonly SeedAssignment[];
  /** Permission sets provisioned to accounts without an assignment (large seeds; assignments provision on their own). */
  provisioned?: readonly { accountId: string; permissionSetArn: string }[];
  auditRole?: SeedAuditRole;
  /** Accounts without an entry have no audit role. */
  iamAccounts?: readonly SeedIamAccount[];
}

export const MANAGEMENT_ACCOUNT_ID = "111111111111";
export const DELEGATED_ADMIN_ACCOUNT_ID = "890123456789";
export const INSTANCE_ID = "ssoins-7223a8d4c1e95b06";
export const INSTANCE_ARN = `arn:aws:sso:::instance/${INSTANCE_ID}`;
export const IDENTITY_STORE_ID = "d-9067c4e1a2";
export const ORGANIZATION_ID = "o-k7m2x9q4tb";
export const ROOT_ID = "r-k7m2";

const STORE_HEX = IDENTITY_STORE_ID.slice(2);
const SEEDED_AT_MS = Date.UTC(2024, 2, 4, 9, 30, 0);

// Stable UUIDs so user and group ids survive restarts and match between processes.
function deterministicUuid(label: string): string {
  const hex = createHash("sha256").update(`jit-simulator:${label}`).digest("hex");
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function storeScopedId(label: string): string {
  return `${STORE_HEX}-${deterministicUuid(label)}`;
}

const organizationArnBase = `arn:aws:organizations::${MANAGEMENT_ACCOUNT_ID}`;

const organization: SeedOrganization = {
  id: ORGANIZATION_ID,
  arn: `${organizationArnBase}:organization/${ORGANIZATION_ID}`,
  featureSet: "ALL",
  managementAccountId: MANAGEMENT_ACCOUNT_ID,
  managementAccountEmail: "aws-management@example.com",
  rootId: ROOT_ID,
  rootArn: `${organizationArnBase}:root/${ORGANIZATION_ID}/${ROOT_ID}`,
  rootName: "Root",
};

function ou(id: string, name: string, parentId: string): SeedOrganizationalUnit {
  return { id, name, parentId, arn: `${organizationArnBase}:ou/${ORGANIZATION_ID}/${id}` };
}

const OU_WORKLOADS = ou("ou-k7m2-wkl0ads1", "Workloads", ROOT_ID);
const OU_PRODUCTION = ou("ou-k7m2-pr0d7x4q", "Production", OU_WORKLOADS.id);
const OU_STAGING = ou("ou-k7m2-stg3n8vw", "Staging", OU_WORKLOADS.id);
const OU_SANDBOX = ou("ou-k7m2-sbx5j2re", "Sandbox", ROOT_ID);
const OU_SECURITY = ou("ou-k7m2-sec9h6ty", "Security", ROOT_ID);

function account(
  id: string,
  name: string,
  parentId: string,
  joinedAtMs: number,
  joinedMethod: SeedAccount["joinedMethod"] = "CREATED",
): SeedAccount {
  return { id, name, email: `aws+${name}@example.com`, parentId, joinedMethod, joinedAtMs };
}

const accounts: SeedAccount[] = [
  {
    ...account(MANAGEMENT_ACCOUNT_ID, "Management", ROOT_ID, Date.UTC(2021, 5, 1), "INVITED"),
    email: organization.managementAccountEmail,
  },
  account("210987654321", "payments-prod", OU_PRODUCTION.id, Date.UTC(2021, 8, 14)),
  account("320198765432", "payments-staging", OU_STAGING.id, Date.UTC(2021, 8, 14)),
  account("430219876543", "data-prod", OU_PRODUCTION.id, Date.UTC(2022, 1, 7)),
  account("540321987654", "data-staging", OU_STAGING.id, Date.UTC(2022, 1, 7)),
  account("650432198765", "sandbox-alice", OU_SANDBOX.id, Date.UTC(2023, 3, 20)),
  account("760543219876", "sandbox-erin", OU_SANDBOX.id, Date.UTC(2023, 10, 2)),
  account(DELEGATED_ADMIN_ACCOUNT_ID, "security-tooling", OU_SECURITY.id, Date.UTC(2021, 6, 1)),
  account("980765432198", "log-archive", OU_SECURITY.id, Date.UTC(2021, 6, 1)),
];

function permissionSet(name: string, psId: string, sessionDuration: string, description: string): SeedPermissionSet {
  return {
    name,
    arn: `arn:aws:sso:::permissionSet/${INSTANCE_ID}/${psId}`,
    description,
    sessionDuration,
    createdAtMs: SEEDED_AT_MS,
    ...MANAGED_POLICIES_BY_SET[name],
  };
}

const permissionSets: SeedPermissionSet[] = [
  permissionSet("ReadOnly", "ps-4b1e9c07d2a86f35", "PT1H", "Read-only access to all services (ReadOnlyAccess)"),
  permissionSet(
    "PowerUser",
    "ps-8d3f62a1c0b97e44",
    "PT4H",
    "Full access except IAM and Organizations (PowerUserAccess)",
  ),
  permissionSet(
    "AdministratorAccess",
    "ps-c62a0f9e83d1b572",
    "PT1H",
    "Full administrative access (AdministratorAccess)",
  ),
  permissionSet("BillingAdmin", "ps-e17b5d2c9a4f0836", "PT2H", "Billing and cost management (Billing)"),
];

const GROUP_DESCRIPTIONS: Record<string, string> = {
  engineering: "All engineers",
  "team-payments": "Payments team",
  "team-data": "Data platform team",
  approvers: "People who approve access requests",
  "team-payments-leads": "Payments team leads",
  "security-approvers": "Security team members who approve production admin access",
  "security-auditors": "Security and compliance auditors",
  "portal-admins": "Administrators of the access portal",
};

const groupNames = [...new Set(PERSONAS.flatMap((persona) => persona.groups))];
const groups: SeedGroup[] = groupNames.map((displayName) => ({
  groupId: storeScopedId(`group:${displayName}`),
  displayName,
  description: GROUP_DESCRIPTIONS[displayName] ?? `${displayName} group`,
  createdAtMs: SEEDED_AT_MS,
}));

const users: SeedUser[] = PERSONAS.map((persona) => {
  const [givenName = persona.name, ...rest] = persona.name.split(" ");
  return {
    key: persona.key,
    personaKey: persona.key,
    userId: storeScopedId(`user:${persona.key}`),
    name: persona.name,
    userName: persona.email,
    displayName: persona.name,
    givenName,
    familyName: rest.join(" ") || givenName,
    email: persona.email,
    externalId: `00u${createHash("sha256").update(persona.key).digest("hex").slice(0, 17)}`,
    groups: [...persona.groups],
    createdAtMs: SEEDED_AT_MS,
  };
});

const memberships: SeedMembership[] = PERSONAS.flatMap((persona) =>
  persona.groups.map((groupName) => ({
    membershipId: storeScopedId(`membership:${groupName}:${persona.key}`),
    groupId: groups.find((group) => group.displayName === groupName)!.groupId,
    userId: users.find((user) => user.key === persona.key)!.userId,
  })),
);

const dave = users.find((user) => user.key === "dave")!;
const administratorAccess = permissionSets.find((set) => set.name === "AdministratorAccess")!;
const securityTooling = accounts.find((candidate) => candidate.name === "security-tooling")!;
const accountIdByName = (name: string) => accounts.find((candidate) => candidate.name === name)!.id;

export const DEMO_SEED: DemoSeed = {
  region: "us-east-1",
  instanceArn: INSTANCE_ARN,
  instanceName: "example-corp",
  instanceCreatedAtMs: Date.UTC(2021, 5, 2),
  identityStoreId: IDENTITY_STORE_ID,
  managementAccountId: MANAGEMENT_ACCOUNT_ID,
  externalIdIssuer: "https://idp.example.com/scim/v2",
  organization,
  organizationalUnits: [OU_WORKLOADS, OU_PRODUCTION, OU_STAGING, OU_SANDBOX, OU_SECURITY],
  accounts,
  delegatedAdminAccountId: DELEGATED_ADMIN_ACCOUNT_ID,
  permissionSets,
  users,
  groups,
  memberships,
  standingAssignments: [
    {
      accountId: securityTooling.id,
      permissionSetArn: administratorAccess.arn,
      principalType: "USER",
      principalId: dave.userId,
    },
    // Standing access granted outside the portal, for the scorecard: a user and a group holding AdministratorAccess.
    {
      accountId: accountIdByName("log-archive"),
      permissionSetArn: administratorAccess.arn,
      principalType: "USER",
      principalId: users.find((user) => user.key === "frank")!.userId,
    },
    {
      accountId: accountIdByName("data-staging"),
      permissionSetArn: administratorAccess.arn,
      principalType: "GROUP",
      principalId: groups.find((group) => group.displayName === "team-data")!.groupId,
    },
  ],
  auditRole: DEMO_AUDIT_ROLE,
  iamAccounts: demoIamAccounts(accountIdByName),
};

export type SeedAccountName =
  | "Management"
  | "payments-prod"
  | "payments-staging"
  | "data-prod"
  | "data-staging"
  | "sandbox-alice"
  | "sandbox-erin"
  | "security-tooling"
  | "log-archive";
export type SeedPermissionSetName = "ReadOnly" | "PowerUser" | "AdministratorAccess" | "BillingAdmin";

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`simulator seed has no ${what}`);
  return value;
}

/** Throws on an unknown name: seed lookups are for fixtures, where a typo should fail loudly. */
export function seedAccountByName(name: SeedAccountName | (string & {})): SeedAccount {
  return required(
    DEMO_SEED.accounts.find((candidate) => candidate.name === name),
    `account named "${name}"`,
  );
}

export const seedAccount = seedAccountByName;

export function seedAccountById(accountId: string): SeedAccount | undefined {
  return DEMO_SEED.accounts.find((candidate) => candidate.id === accountId);
}

export function seedPermissionSetByName(name: SeedPermissionSetName | (string & {})): SeedPermissionSet {
  return required(
    DEMO_SEED.permissionSets.find((candidate) => candidate.name === name),
    `permission set named "${name}"`,
  );
}

export const seedPermissionSet = seedPermissionSetByName;

/** Case-insensitive, like identity store lookups by email. */
export function seedUserByEmail(email: string): SeedUser {
  const wanted = email.toLowerCase();
  return required(
    DEMO_SEED.users.find((candidate) => candidate.email.toLowerCase() === wanted),
    `user with email "${email}"`,
  );
}

export function seedUser(personaKey: PersonaKey | (string & {})): SeedUser {
  return required(
    DEMO_SEED.users.find((candidate) => candidate.key === personaKey),
    `user for persona "${personaKey}"`,
  );
}

export function seedUserByUserName(userName: string): SeedUser | undefined {
  return DEMO_SEED.users.find((candidate) => candidate.userName.toLowerCase() === userName.toLowerCase());
}

export function seedGroup(displayName: string): SeedGroup {
  return required(
    DEMO_SEED.groups.find((candidate) => candidate.displayName === displayName),
    `group named "${displayName}"`,
  );
}

export function seedOrganizationalUnit(name: string): SeedOrganizationalUnit {
  return required(
    DEMO_SEED.organizationalUnits.find((candidate) => candidate.name === name),
    `organizational unit named "${name}"`,
  );
}
