// The asynchronous side of sso-admin: assignment and provisioning requests that finish after a delay.
import { randomUUID } from "node:crypto";
import { callerArn } from "./caller";
import type { FailureRule, SimulatorConfig } from "./config";
import { parsePolicy } from "./policy";
import { INSTANCE_ID, type DemoSeed } from "./seed";
import {
  assignmentKeyOf,
  type AssignmentKey,
  type AssignmentOperation,
  type ProvisioningOperation,
  type SimulatorState,
} from "./state";

export const FAILURE_REASONS = {
  internal: "An unexpected internal service exception was encountered",
  assignmentNotFound: "Received a 404 status error: Assignment not found.",
  // Simulator wording: AWS's text for a policy that passes Put but fails provisioning is not documented.
  malformedInlinePolicy: (problem: string) =>
    `Received a 400 status error: The inline policy of the permission set is invalid: ${problem}`,
  roleQuota: () =>
    `Received a 409 status error: Cannot exceed quota for RolesPerAccount: 1000 (Service: AmazonIdentityManagement; Status Code: 409; Error Code: LimitExceeded; Request ID: ${randomUUID()}; Proxy: null)`,
  managementAccountIamDenied: (caller: string, managementAccountId: string) =>
    `Received a 403 status error: Access denied by IAM. Please check your policy, or wait for role propagation to complete. IAM Error: User: ${caller} is not authorized to perform: iam:GetSAMLProvider on resource: arn:aws:iam::${managementAccountId}:saml-provider/AWSSSO_${INSTANCE_ID.slice(-16)}_DO_NOT_DELETE because no identity-based policy allows the iam:GetSAMLProvider action (Service: AmazonIdentityManagement; Status Code: 403; Error Code: AccessDenied; Request ID: ${randomUUID()}; Proxy: null)`,
} as const;

export interface EngineDependencies {
  seed: DemoSeed;
  state: SimulatorState;
  config(): SimulatorConfig;
  random(): number;
  now(): number;
  /** Called after every state change (persistence). */
  changed(): void;
}

type FailureDecision = { failed: false } | { failed: true; reason: string | undefined };

export class OperationEngine {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly deps: EngineDependencies) {}

  startAssignmentOperation(
    kind: "create" | "delete",
    key: AssignmentKey,
    options: { targetMissing?: boolean } = {},
  ): AssignmentOperation {
    const now = this.deps.now();
    const operation: AssignmentOperation = {
      ...key,
      requestId: randomUUID(),
      kind,
      status: "IN_PROGRESS",
      createdAtMs: now,
      completesAtMs: now + this.deps.config().asyncDelayMs,
      ...(options.targetMissing ? { targetMissing: true } : {}),
    };
    this.deps.state.operations.set(operation.requestId, operation);
    this.deps.state.trackInflight(operation);
    this.schedule(operation.requestId, operation.completesAtMs - now, () =>
      this.completeAssignmentOperation(operation),
    );
    this.deps.changed();
    return operation;
  }

  startProvisioning(
    permissionSetArn: string,
    target: { targetType: "AWS_ACCOUNT"; accountId: string } | { targetType: "ALL_PROVISIONED_ACCOUNTS" },
  ): ProvisioningOperation {
    const now = this.deps.now();
    const set = this.deps.state.permissionSets.get(permissionSetArn);
    // Ships the version current at the request; an edit made while it runs stays NOT_PROVISIONED.
    const operation: ProvisioningOperation = {
      requestId: randomUUID(),
      status: "IN_PROGRESS",
      permissionSetArn,
      targetType: target.targetType,
      ...(target.targetType === "AWS_ACCOUNT" ? { accountId: target.accountId } : {}),
      createdAtMs: now,
      completesAtMs: now + this.deps.config().asyncDelayMs,
      policyVersion: set?.policyVersion ?? 1,
      ...(set?.inlinePolicy !== undefined ? { inlinePolicy: set.inlinePolicy } : {}),
    };
    this.deps.state.provisioning.set(operation.requestId, operation);
    this.schedule(operation.requestId, operation.completesAtMs - now, () => this.completeProvisioning(operation));
    this.deps.changed();
    return operation;
  }

  /** Re-arms timers for operations that were in flight when the state was saved. */
  resume() {
    const now = this.deps.now();
    for (const operation of this.deps.state.operations.values()) {
      if (operation.status === "IN_PROGRESS")
        this.schedule(operation.requestId, operation.completesAtMs - now, () =>
          this.completeAssignmentOperation(operation),
        );
    }
    for (const operation of this.deps.state.provisioning.values()) {
      if (operation.status === "IN_PROGRESS")
        this.schedule(operation.requestId, operation.completesAtMs - now, () => this.completeProvisioning(operation));
    }
  }

  stop() {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(requestId: string, delayMs: number, complete: () => void) {
    const timer = setTimeout(
      () => {
        this.timers.delete(requestId);
        complete();
      },
      Math.max(0, delayMs),
    );
    timer.unref();
    this.timers.set(requestId, timer);
  }

  private matchingRule(
    kind: FailureRule["kind"],
    target: { targetId?: string; permissionSetArn: string; principalId?: string },
  ): FailureRule | undefined {
    return this.deps
      .config()
      .failureRules.find(
        (rule) =>
          (rule.kind === undefined || rule.kind === kind) &&
          (rule.targetId === undefined || rule.targetId === target.targetId) &&
          (rule.permissionSetArn === undefined || rule.permissionSetArn === target.permissionSetArn) &&
          (rule.principalId === undefined || rule.principalId === target.principalId),
      );
  }

  private pick<T>(options: readonly T[]): T {
    return options[Math.floor(this.deps.random() * options.length)] ?? options[0]!;
  }

  private decideAssignmentFailure(operation: AssignmentOperation): FailureDecision {
    const config = this.deps.config();
    if (operation.targetMissing) return { failed: true, reason: undefined };
    const rule = this.matchingRule(operation.kind, {
      targetId: operation.accountId,
      permissionSetArn: operation.permissionSetArn,
      principalId: operation.principalId,
    });
    if (rule) return { failed: true, reason: rule.failureReason ?? undefined };
    const managementAccountId = this.deps.seed.organization.managementAccountId;
    if (operation.accountId === managementAccountId && !config.managementAccountIamPermissions) {
      return {
        failed: true,
        reason: FAILURE_REASONS.managementAccountIamDenied(callerArn(config, this.deps.seed), managementAccountId),
      };
    }
    if (config.asyncFailureRate > 0 && this.deps.random() < config.asyncFailureRate) {
      const reasons =
        operation.kind === "create"
          ? [FAILURE_REASONS.internal, FAILURE_REASONS.roleQuota(), undefined]
          : [FAILURE_REASONS.internal, undefined];
      return { failed: true, reason: this.pick(reasons) };
    }
    return { failed: false };
  }

  private completeAssignmentOperation(operation: AssignmentOperation) {
    const { state } = this.deps;
    if (operation.status !== "IN_PROGRESS") return;
    const decision = this.decideAssignmentFailure(operation);
    if (decision.failed) {
      operation.status = "FAILED";
      if (decision.reason !== undefined) operation.failureReason = decision.reason;
    } else {
      operation.status = "SUCCEEDED";
      if (operation.kind === "create") {
        const { accountId, permissionSetArn, principalType, principalId } = operation;
        state.putAssignment({
          accountId,
          permissionSetArn,
          principalType,
          principalId,
          origin: "api",
          createdAtMs: this.deps.now(),
        });
      } else {
        state.removeAssignment(operation);
      }
    }
    state.untrackInflight(operation);
    this.pruneFinishedOperations();
    this.deps.changed();
  }

  private completeProvisioning(operation: ProvisioningOperation) {
    const { state } = this.deps;
    if (operation.status !== "IN_PROGRESS") return;
    const config = this.deps.config();
    const rule = this.matchingRule("provision", {
      targetId: operation.accountId,
      permissionSetArn: operation.permissionSetArn,
    });
    const targets = [...state.provisioned.values()].filter(
      (record) =>
        record.permissionSetArn === operation.permissionSetArn &&
        (operation.targetType === "ALL_PROVISIONED_ACCOUNTS" || record.accountId === operation.accountId),
    );
    let failureReason: string | undefined;
    let failed = false;
    const malformed = operation.inlinePolicy === undefined ? undefined : parsePolicy(operation.inlinePolicy);
    const createsRole = config.provisionWithoutAssignment === "creates-role";
    if (rule) {
      failed = true;
      failureReason = rule.failureReason ?? undefined;
    } else if (operation.targetType === "AWS_ACCOUNT" && targets.length === 0 && !createsRole) {
      failed = true;
      failureReason = FAILURE_REASONS.assignmentNotFound;
    } else if (malformed && !malformed.ok) {
      failed = true;
      failureReason = FAILURE_REASONS.malformedInlinePolicy(malformed.problem);
    } else if (config.asyncFailureRate > 0 && this.deps.random() < config.asyncFailureRate) {
      failed = true;
      failureReason = FAILURE_REASONS.internal;
    }
    if (failed) {
      operation.status = "FAILED";
      if (failureReason !== undefined) operation.failureReason = failureReason;
    } else {
      operation.status = "SUCCEEDED";
      const shipped = { policyVersion: operation.policyVersion ?? 1, inlinePolicy: operation.inlinePolicy };
      const accountIds =
        operation.targetType === "AWS_ACCOUNT" ? [operation.accountId!] : targets.map((record) => record.accountId);
      for (const accountId of accountIds) state.provisionCurrent(operation.permissionSetArn, accountId, shipped);
    }
    this.deps.changed();
  }

  private pruneFinishedOperations() {
    const { operations } = this.deps.state;
    let excess = operations.size - this.deps.config().maxRetainedOperations;
    if (excess <= 0) return;
    for (const [requestId, operation] of operations) {
      if (excess <= 0) break;
      if (operation.status === "IN_PROGRESS") continue;
      operations.delete(requestId);
      excess -= 1;
    }
  }

  inflightFor(key: AssignmentKey): AssignmentOperation | undefined {
    const requestId = this.deps.state.inflightByAssignment.get(assignmentKeyOf(key));
    return requestId === undefined ? undefined : this.deps.state.operations.get(requestId);
  }
}
