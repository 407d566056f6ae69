// Mutable Identity Center state (assignments, operations, provisioning) and its JSON snapshot.
import { z } from "zod";
import type { DemoSeed, PrincipalType } from "./seed";

export type OperationStatus = "IN_PROGRESS" | "SUCCEEDED" | "FAILED";

export interface AssignmentKey {
  accountId: string;
  permissionSetArn: string;
  principalType: PrincipalType;
  principalId: string;
}

export interface AssignmentRecord extends AssignmentKey {
  /** seed: standing before the portal; api: made through CreateAccountAssignment; out-of-band: via the control endpoint. */
  origin: "seed" | "api" | "out-of-band";
  createdAtMs: number;
}

export interface AssignmentOperation extends AssignmentKey {
  requestId: string;
  kind: "create" | "delete";
  status: OperationStatus;
  failureReason?: string;
  createdAtMs: number;
  completesAtMs: number;
  /** Delete of an assignment that did not exist (async-failed mode): ends FAILED without a reason. */
  targetMissing?: boolean;
}

export interface ProvisioningOperation {
  requestId: string;
  status: OperationStatus;
  permissionSetArn: string;
  targetType: "AWS_ACCOUNT" | "ALL_PROVISIONED_ACCOUNTS";
  accountId?: string;
  failureReason?: string;
  createdAtMs: number;
  completesAtMs: number;
  /** The permission set version and inline policy this request ships (captured when it starts). */
  policyVersion?: number;
  inlinePolicy?: string;
}

export interface PermissionSetRecord {
  arn: string;
  name: string;
  description?: string;
  sessionDuration: string;
  relayState?: string;
  createdAtMs: number;
  /** The one inline policy, verbatim as put. */
  inlinePolicy?: string;
  /** Bumped by every edit (inline policy, session duration, ...); accounts carry the version last provisioned. */
  policyVersion: number;
}

export interface ProvisionedRecord {
  permissionSetArn: string;
  accountId: string;
  /** false once the permission set was edited and not yet re-provisioned to the account. */
  latest: boolean;
  policyVersion: number;
  /** The account's copy of the inline policy (what role sessions there are evaluated against). */
  inlinePolicy?: string;
}

export interface PortalToken {
  accessToken: string;
  userId: string;
  issuedAtMs: number;
  expiresAtMs: number;
}

/** Credentials GetRoleCredentials issued: who, where, which permission set, and aws:TokenIssueTime. */
export interface RoleSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  userId: string;
  userName: string;
  accountId: string;
  permissionSetArn: string;
  issuedAtMs: number;
  expiresAtMs: number;
}

/** Credentials STS AssumeRole issued for a member account's role (the audit role); kept in memory only. */
export interface AssumedRoleSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  accountId: string;
  roleName: string;
  sessionName: string;
  issuedAtMs: number;
  expiresAtMs: number;
}

/** An account's IAM credential report: generation started at startedAtMs, ready at completesAtMs. */
export interface CredentialReportRecord {
  accountId: string;
  startedAtMs: number;
  completesAtMs: number;
}

export const assignmentKeyOf = (key: AssignmentKey) =>
  `${key.accountId}|${key.permissionSetArn}|${key.principalType}|${key.principalId}`;
export const provisionedKeyOf = (permissionSetArn: string, accountId: string) => `${permissionSetArn}|${accountId}`;

const principalType = z.enum(["USER", "GROUP"]);
const status = z.enum(["IN_PROGRESS", "SUCCEEDED", "FAILED"]);
const assignmentKeySchema = {
  accountId: z.string(),
  permissionSetArn: z.string(),
  principalType,
  principalId: z.string(),
};

const provisionedSchema = z.object({
  permissionSetArn: z.string(),
  accountId: z.string(),
  latest: z.boolean(),
  policyVersion: z.number().default(1),
  inlinePolicy: z.string().optional(),
});

export const StateSnapshotSchema = z.object({
  version: z.literal(1),
  permissionSets: z.array(
    z.object({
      arn: z.string(),
      name: z.string(),
      description: z.string().optional(),
      sessionDuration: z.string(),
      relayState: z.string().optional(),
      createdAtMs: z.number(),
      inlinePolicy: z.string().optional(),
      policyVersion: z.number().default(1),
    }),
  ),
  assignments: z.array(
    z.object({ ...assignmentKeySchema, origin: z.enum(["seed", "api", "out-of-band"]), createdAtMs: z.number() }),
  ),
  operations: z.array(
    z.object({
      ...assignmentKeySchema,
      requestId: z.string(),
      kind: z.enum(["create", "delete"]),
      status,
      failureReason: z.string().optional(),
      createdAtMs: z.number(),
      completesAtMs: z.number(),
      targetMissing: z.boolean().optional(),
    }),
  ),
  provisioning: z.array(
    z.object({
      requestId: z.string(),
      status,
      permissionSetArn: z.string(),
      targetType: z.enum(["AWS_ACCOUNT", "ALL_PROVISIONED_ACCOUNTS"]),
      accountId: z.string().optional(),
      failureReason: z.string().optional(),
      createdAtMs: z.number(),
      completesAtMs: z.number(),
      policyVersion: z.number().optional(),
      inlinePolicy: z.string().optional(),
    }),
  ),
  provisioned: z.array(provisionedSchema),
  /** Copies of roles deleted with the last assignment, which live sessions keep evaluating. */
  retiredRoles: z.array(provisionedSchema).default([]),
  portalTokens: z
    .array(z.object({ accessToken: z.string(), userId: z.string(), issuedAtMs: z.number(), expiresAtMs: z.number() }))
    .default([]),
  roleSessions: z
    .array(
      z.object({
        accessKeyId: z.string(),
        secretAccessKey: z.string(),
        sessionToken: z.string(),
        userId: z.string(),
        userName: z.string(),
        accountId: z.string(),
        permissionSetArn: z.string(),
        issuedAtMs: z.number(),
        expiresAtMs: z.number(),
      }),
    )
    .default([]),
});
export type StateSnapshot = z.infer<typeof StateSnapshotSchema>;

export class SimulatorState {
  readonly permissionSets = new Map<string, PermissionSetRecord>();
  readonly assignments = new Map<string, AssignmentRecord>();
  /** Insertion-ordered, oldest first. */
  readonly operations = new Map<string, AssignmentOperation>();
  readonly provisioning = new Map<string, ProvisioningOperation>();
  readonly provisioned = new Map<string, ProvisionedRecord>();
  readonly retiredRoles = new Map<string, ProvisionedRecord>();
  readonly portalTokens = new Map<string, PortalToken>();
  /** By access key id. */
  readonly roleSessions = new Map<string, RoleSession>();
  /** By access key id; not persisted: a restarted simulator makes callers assume the role again. */
  readonly assumedRoleSessions = new Map<string, AssumedRoleSession>();
  /** By account id; not persisted (a restart is a report that was never generated). */
  readonly credentialReports = new Map<string, CredentialReportRecord>();
  /** In-flight assignment operation per assignment tuple. */
  readonly inflightByAssignment = new Map<string, string>();
  inflightCreates = 0;
  /** Assignments per permission set and account, so deprovisioning on the last removal stays O(1). */
  private readonly assignmentsPerPair = new Map<string, number>();

  static fromSeed(seed: DemoSeed): SimulatorState {
    const state = new SimulatorState();
    for (const set of seed.permissionSets) {
      state.permissionSets.set(set.arn, {
        arn: set.arn,
        name: set.name,
        description: set.description,
        sessionDuration: set.sessionDuration,
        createdAtMs: set.createdAtMs,
        policyVersion: 1,
      });
    }
    for (const assignment of seed.standingAssignments) {
      state.putAssignment({ ...assignment, origin: "seed", createdAtMs: seed.instanceCreatedAtMs });
    }
    for (const { permissionSetArn, accountId } of seed.provisioned ?? [])
      if (!state.isProvisioned(permissionSetArn, accountId)) state.provisionCurrent(permissionSetArn, accountId);
    return state;
  }

  static fromSnapshot(snapshot: StateSnapshot): SimulatorState {
    const state = new SimulatorState();
    for (const set of snapshot.permissionSets) state.permissionSets.set(set.arn, set);
    for (const assignment of snapshot.assignments) {
      state.assignments.set(assignmentKeyOf(assignment), assignment);
      state.countPair(assignment, 1);
    }
    for (const operation of snapshot.operations) {
      state.operations.set(operation.requestId, operation);
      if (operation.status === "IN_PROGRESS") state.trackInflight(operation);
    }
    for (const operation of snapshot.provisioning) state.provisioning.set(operation.requestId, operation);
    for (const record of snapshot.provisioned)
      state.provisioned.set(provisionedKeyOf(record.permissionSetArn, record.accountId), record);
    for (const record of snapshot.retiredRoles)
      state.retiredRoles.set(provisionedKeyOf(record.permissionSetArn, record.accountId), record);
    for (const token of snapshot.portalTokens) state.portalTokens.set(token.accessToken, token);
    for (const session of snapshot.roleSessions) state.roleSessions.set(session.accessKeyId, session);
    return state;
  }

  snapshot(): StateSnapshot {
    return {
      version: 1,
      permissionSets: [...this.permissionSets.values()],
      assignments: [...this.assignments.values()],
      operations: [...this.operations.values()],
      provisioning: [...this.provisioning.values()],
      provisioned: [...this.provisioned.values()],
      retiredRoles: [...this.retiredRoles.values()],
      portalTokens: [...this.portalTokens.values()],
      roleSessions: [...this.roleSessions.values()],
    };
  }

  /** Adds the assignment (idempotent) and provisions the permission set to the account on first use. */
  putAssignment(record: AssignmentRecord): boolean {
    const key = assignmentKeyOf(record);
    if (this.assignments.has(key)) return false;
    this.assignments.set(key, record);
    this.countPair(record, 1);
    const provisionedKey = provisionedKeyOf(record.permissionSetArn, record.accountId);
    if (!this.provisioned.has(provisionedKey)) this.provisionCurrent(record.permissionSetArn, record.accountId);
    return true;
  }

  /** Creates (or replaces) the account's role with the permission set's current version and inline policy. */
  provisionCurrent(
    permissionSetArn: string,
    accountId: string,
    shipped?: { policyVersion: number; inlinePolicy?: string },
  ) {
    const set = this.permissionSets.get(permissionSetArn);
    const policyVersion = shipped?.policyVersion ?? set?.policyVersion ?? 1;
    const inlinePolicy = shipped ? shipped.inlinePolicy : set?.inlinePolicy;
    const key = provisionedKeyOf(permissionSetArn, accountId);
    this.retiredRoles.delete(key);
    this.provisioned.set(key, {
      permissionSetArn,
      accountId,
      latest: policyVersion === (set?.policyVersion ?? 1),
      policyVersion,
      ...(inlinePolicy !== undefined ? { inlinePolicy } : {}),
    });
  }

  /** Any edit of a permission set: a new version that no account has until ProvisionPermissionSet ships it. */
  editPermissionSet(set: PermissionSetRecord, edit: () => void) {
    edit();
    set.policyVersion += 1;
    for (const record of this.provisioned.values()) if (record.permissionSetArn === set.arn) record.latest = false;
  }

  /**
   * Removes the assignment; the last one for a permission set in an account deprovisions it (its role is deleted).
   * Sessions already issued keep the role's last policy copy until they expire (see README).
   */
  removeAssignment(key: AssignmentKey): boolean {
    if (!this.assignments.delete(assignmentKeyOf(key))) return false;
    if (this.countPair(key, -1) === 0) {
      const pairKey = provisionedKeyOf(key.permissionSetArn, key.accountId);
      const record = this.provisioned.get(pairKey);
      this.provisioned.delete(pairKey);
      if (record) this.retiredRoles.set(pairKey, record);
    }
    return true;
  }

  /** The policy copy a role session in this account is evaluated against: the live role, else the deleted one's. */
  roleCopy(permissionSetArn: string, accountId: string): ProvisionedRecord | undefined {
    const key = provisionedKeyOf(permissionSetArn, accountId);
    return this.provisioned.get(key) ?? this.retiredRoles.get(key);
  }

  /** A USER assignment, or one through a group the user belongs to. */
  userHasAssignment(userId: string, groupIds: readonly string[], accountId: string, permissionSetArn: string): boolean {
    if (
      this.assignments.has(assignmentKeyOf({ accountId, permissionSetArn, principalType: "USER", principalId: userId }))
    )
      return true;
    return groupIds.some((groupId) =>
      this.assignments.has(
        assignmentKeyOf({ accountId, permissionSetArn, principalType: "GROUP", principalId: groupId }),
      ),
    );
  }

  private countPair(key: AssignmentKey, delta: number): number {
    const pairKey = provisionedKeyOf(key.permissionSetArn, key.accountId);
    const count = (this.assignmentsPerPair.get(pairKey) ?? 0) + delta;
    if (count <= 0) this.assignmentsPerPair.delete(pairKey);
    else this.assignmentsPerPair.set(pairKey, count);
    return Math.max(0, count);
  }

  trackInflight(operation: AssignmentOperation) {
    this.inflightByAssignment.set(assignmentKeyOf(operation), operation.requestId);
    if (operation.kind === "create") this.inflightCreates += 1;
  }

  untrackInflight(operation: AssignmentOperation) {
    const key = assignmentKeyOf(operation);
    if (this.inflightByAssignment.get(key) === operation.requestId) this.inflightByAssignment.delete(key);
    if (operation.kind === "create") this.inflightCreates -= 1;
  }

  isProvisioned(permissionSetArn: string, accountId: string): boolean {
    return this.provisioned.has(provisionedKeyOf(permissionSetArn, accountId));
  }
}
