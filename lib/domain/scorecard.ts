import type { AssignmentClass } from "./inventory-classification";

/** AWS managed policies that make a permission set privileged: each grants IAM, organization or full control. */
export const PRIVILEGED_MANAGED_POLICIES: Readonly<Record<string, string>> = {
  AdministratorAccess: "full control of the account",
  PowerUserAccess: "every service except IAM and Organizations",
  IAMFullAccess: "creates users, roles and keys",
  AWSOrganizationsFullAccess: "controls the organization",
  AWSSSOMasterAccountAdministrator: "administers IAM Identity Center",
  AWSSSODirectoryAdministrator: "administers the Identity Center directory",
  AWSCloudFormationFullAccess: "deploys stacks that can create any resource",
  SecurityAudit: "reads every security configuration",
};

// Only AWS's own policies (account "aws"): a customer policy that copies a name proves nothing.
const AWS_MANAGED_ARN = /^arn:aws(?:-[a-z]+)*:iam::aws:policy\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,128})$/;

export interface ManagedPolicyRef {
  name: string;
  arn: string;
}

export type Sensitivity =
  | { level: "privileged"; because: string }
  | { level: "standard"; because: string }
  | { level: "unknown"; because: string };

/** The policy's list wins; otherwise an attached AWS managed policy from the table; unread policies are "unknown", never "standard". */
export function permissionSetSensitivity(input: {
  name: string;
  policyPrivileged: readonly string[];
  managedPolicies: readonly ManagedPolicyRef[] | null;
}): Sensitivity {
  if (input.policyPrivileged.includes(input.name))
    return { level: "privileged", because: "named privileged in the access policy" };
  if (input.managedPolicies === null) return { level: "unknown", because: "its attached policies could not be read" };
  for (const policy of input.managedPolicies) {
    const match = AWS_MANAGED_ARN.exec(policy.arn);
    if (!match || match[1] !== policy.name) continue;
    const why = Object.hasOwn(PRIVILEGED_MANAGED_POLICIES, policy.name)
      ? PRIVILEGED_MANAGED_POLICIES[policy.name]
      : undefined;
    if (why) return { level: "privileged", because: `${policy.name} (${why})` };
  }
  return { level: "standard", because: "no privileged managed policy attached" };
}

/** Standing access is every assignment a portal grant does not back. */
export function isStandingAccess(kind: AssignmentClass): boolean {
  return kind !== "jit";
}

// ---------- The scorecard's measures ----------

export const SCORECARD_MEASURES = [
  "standingPrivilegedUsers",
  "standingPrivilegedGroups",
  "activeKeys",
  "oldKeys",
  "unusedKeys",
  "rootKeys",
  "usersWithoutMfa",
] as const;
export type ScorecardMeasure = (typeof SCORECARD_MEASURES)[number];

export const MEASURE_LABELS: Record<ScorecardMeasure, string> = {
  standingPrivilegedUsers: "Standing privileged access: users",
  standingPrivilegedGroups: "Standing privileged access: groups",
  activeKeys: "Active access keys",
  oldKeys: "Keys older than 90 days",
  unusedKeys: "Unused keys",
  rootKeys: "Root access keys",
  usersWithoutMfa: "Users without MFA",
};

/** A measure per account: a number, or null when it was not measured (the account row says why). */
export type AccountMeasures = Record<ScorecardMeasure, number | null>;

export interface MeasureTotal {
  value: number;
  /** Accounts where this measure could not be taken: the total is a floor, not the whole truth. */
  notMeasured: number;
}

/** Organization totals; an unmeasured account adds to notMeasured, never a zero to the sum. */
export function totalMeasures(accounts: readonly AccountMeasures[]): Record<ScorecardMeasure, MeasureTotal> {
  const totals = Object.fromEntries(SCORECARD_MEASURES.map((m) => [m, { value: 0, notMeasured: 0 }])) as Record<
    ScorecardMeasure,
    MeasureTotal
  >;
  for (const account of accounts)
    for (const measure of SCORECARD_MEASURES) {
      const value = account[measure];
      if (value === null) totals[measure].notMeasured += 1;
      else totals[measure].value += value;
    }
  return totals;
}

/** Sorts by one measure, largest first; unmeasured accounts go last so a gap never reads as "best". */
export function sortByMeasure<T extends { measures: AccountMeasures; name: string }>(
  rows: readonly T[],
  measure: ScorecardMeasure,
): T[] {
  return [...rows].sort((a, b) => {
    const x = a.measures[measure];
    const y = b.measures[measure];
    if (x === null && y === null) return a.name.localeCompare(b.name);
    if (x === null) return 1;
    if (y === null) return -1;
    return y - x || a.name.localeCompare(b.name);
  });
}

// ---------- Make it just-in-time ----------

export interface JitRuleInput {
  principal: { type: "USER"; email: string } | { type: "GROUP"; name: string };
  accountId: string;
  permissionSetName: string;
  approverGroups: readonly string[];
}

const RULE_ID_PART = /[^a-z0-9]+/g;
const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(RULE_ID_PART, "-")
    .replace(/^-+|-+$/g, "");

/** The allow rule that lets the holder of a standing assignment request the same access; JSON strings are valid YAML, so names are quoted safely. */
export function jitRuleSnippet(input: JitRuleInput): string {
  const who = input.principal.type === "USER" ? input.principal.email : input.principal.name;
  const id = `jit-${slug(`${input.permissionSetName}-${input.accountId}-${who}`)}`.slice(0, 64).replace(/-+$/, "");
  const requesters =
    input.principal.type === "USER"
      ? `{ users: [${JSON.stringify(input.principal.email)}] }`
      : `{ groups: [${JSON.stringify(input.principal.name)}] }`;
  const approvers = input.approverGroups.map((g) => JSON.stringify(g)).join(", ");
  return [
    `  - id: ${id}`,
    `    description: ${JSON.stringify(`Replaces standing ${input.permissionSetName} in ${input.accountId} for ${who}.`)}`,
    `    requesters: ${requesters}`,
    `    accounts: { ids: [${JSON.stringify(input.accountId)}] }`,
    `    permissionSets: [${JSON.stringify(input.permissionSetName)}]`,
    `    maxDurationMinutes: 60`,
    `    ticket: { required: true }`,
    `    approval: { auto: false, approvers: { groups: [${approvers}] }, required: 1 }`,
    "",
  ].join("\n");
}
