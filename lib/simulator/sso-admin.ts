// sso-admin (SWBExternalService): instances, permission sets, account assignments and provisioning.
import { notAuthorizedMessage } from "./caller";
import { epochSeconds, type OperationDefinition, type ServiceDefinition, type SimulatorContext } from "./context";
import {
  accessDenied,
  conflict,
  internalServerError,
  resourceNotFound,
  serviceQuotaExceeded,
  throttling,
  validationError,
  ServiceError,
} from "./errors";
import { MAX_NON_WHITESPACE_BYTES, nonWhitespaceBytes, parsePolicy } from "./policy";
import type { PrincipalType } from "./seed";
import type {
  AssignmentKey,
  AssignmentOperation,
  OperationStatus,
  PermissionSetRecord,
  ProvisioningOperation,
} from "./state";
import { coralValidationMessage, integer, PATTERNS, required, string, structure, type Input } from "./validation";

const instanceArn = required(string({ pattern: PATTERNS.instanceArn, minLength: 10, maxLength: 1224 }));
const permissionSetArn = string({ pattern: PATTERNS.permissionSetArn, minLength: 10, maxLength: 1224 });
const accountId = string({ pattern: PATTERNS.accountId, minLength: 12, maxLength: 12 });
const principalId = string({ pattern: PATTERNS.principalId, minLength: 1, maxLength: 47 });
const principalType = string({ enum: ["USER", "GROUP"] });
const requestId = string({ pattern: PATTERNS.requestId, minLength: 36, maxLength: 36 });
const statusFilter = structure({ Status: string({ enum: ["IN_PROGRESS", "FAILED", "SUCCEEDED"] }) });
const provisioningStatusFilter = string({
  enum: ["LATEST_PERMISSION_SET_PROVISIONED", "LATEST_PERMISSION_SET_NOT_PROVISIONED"],
});
const paging = {
  MaxResults: integer({ min: 1, max: 100 }),
  NextToken: string({ pattern: PATTERNS.ssoAdminToken, minLength: 0, maxLength: 2048 }),
};
const assignmentInput = structure({
  InstanceArn: instanceArn,
  TargetId: required(accountId),
  TargetType: required(string({ enum: ["AWS_ACCOUNT"] })),
  PermissionSetArn: required(permissionSetArn),
  PrincipalType: required(principalType),
  PrincipalId: required(principalId),
});

const DEFAULT_PAGE_SIZE = 100;
const MIN_SESSION_SECONDS = 3600;
const MAX_SESSION_SECONDS = 12 * 3600;

function requireInstance(ctx: SimulatorContext, arn: unknown) {
  if (arn !== ctx.seed.instanceArn) throw resourceNotFound(`Instance ${String(arn)} does not exist.`);
}

function instanceMetadata(ctx: SimulatorContext) {
  return {
    InstanceArn: ctx.seed.instanceArn,
    IdentityStoreId: ctx.seed.identityStoreId,
    OwnerAccountId: ctx.seed.organization.managementAccountId,
    Name: ctx.seed.instanceName,
    CreatedDate: epochSeconds(ctx.seed.instanceCreatedAtMs),
    Status: "ACTIVE",
    PrimaryRegion: ctx.seed.region,
  };
}

function requirePermissionSet(ctx: SimulatorContext, arn: unknown): PermissionSetRecord {
  const record = ctx.state.permissionSets.get(String(arn));
  if (!record) throw resourceNotFound(`Could not find PermissionSet with arn ${String(arn)}.`);
  return record;
}

function requireAccount(ctx: SimulatorContext, id: string) {
  if (!ctx.seed.accounts.some((account) => account.id === id))
    throw resourceNotFound(`AWS account ${id} is not a member of organization ${ctx.seed.organization.id}.`);
}

function requirePrincipal(ctx: SimulatorContext, type: PrincipalType, id: string) {
  const exists =
    type === "USER"
      ? ctx.seed.users.some((user) => user.userId === id)
      : ctx.seed.groups.some((group) => group.groupId === id);
  if (!exists)
    throw resourceNotFound(
      `${type === "USER" ? "User" : "Group"} ${id} does not exist in identity store ${ctx.seed.identityStoreId}.`,
    );
}

// Delegated administrators may not touch the management account or permission sets provisioned there.
function assertMayManage(ctx: SimulatorContext, operation: string, permissionSet: string, targetId?: string) {
  const config = ctx.config();
  if (config.callerMode !== "delegated-admin") return;
  const managementAccountId = ctx.seed.organization.managementAccountId;
  if (targetId === managementAccountId || ctx.state.isProvisioned(permissionSet, managementAccountId)) {
    throw accessDenied(notAuthorizedMessage(config, ctx.seed, `sso:${operation}`, permissionSet));
  }
}

function invalidToken() {
  return validationError("Invalid NextToken provided.");
}

function page<T>(ctx: SimulatorContext, operation: string, input: Input, items: readonly T[], emptyPages = false) {
  return ctx.tokens.paginate(items, {
    operation,
    input,
    defaultPageSize: DEFAULT_PAGE_SIZE,
    emptyPageChance: emptyPages ? ctx.config().emptyPageRate : 0,
    random: () => ctx.random(),
    invalidToken,
  });
}

function assignmentKey(input: Input): AssignmentKey {
  return {
    accountId: input.TargetId as string,
    permissionSetArn: input.PermissionSetArn as string,
    principalType: input.PrincipalType as PrincipalType,
    principalId: input.PrincipalId as string,
  };
}

function operationStatus(operation: AssignmentOperation) {
  return {
    Status: operation.status,
    RequestId: operation.requestId,
    ...(operation.failureReason !== undefined ? { FailureReason: operation.failureReason } : {}),
    TargetId: operation.accountId,
    TargetType: "AWS_ACCOUNT",
    PermissionSetArn: operation.permissionSetArn,
    PrincipalType: operation.principalType,
    PrincipalId: operation.principalId,
    CreatedDate: epochSeconds(operation.createdAtMs),
  };
}

function provisioningStatus(operation: ProvisioningOperation) {
  return {
    Status: operation.status,
    RequestId: operation.requestId,
    ...(operation.accountId !== undefined ? { AccountId: operation.accountId } : {}),
    PermissionSetArn: operation.permissionSetArn,
    ...(operation.failureReason !== undefined ? { FailureReason: operation.failureReason } : {}),
    CreatedDate: epochSeconds(operation.createdAtMs),
  };
}

const MODEL_CONFLICT_MESSAGE =
  "Occurs when a conflict with a previous successful write is detected. This generally occurs when the previous write did not have time to propagate to the host serving the current request. A retry (with appropriate backoff logic) is the recommended response to this exception.";

function assertNoConflict(ctx: SimulatorContext, key: AssignmentKey) {
  const sameTuple = ctx.engine.inflightFor(key);
  const sameAccountAndSet =
    ctx.config().conflictScope === "account-permission-set" &&
    [...ctx.state.inflightByAssignment.keys()].some((inflightKey) =>
      inflightKey.startsWith(`${key.accountId}|${key.permissionSetArn}|`),
    );
  if (sameTuple || sameAccountAndSet) throw conflict(MODEL_CONFLICT_MESSAGE);
}

function createAccountAssignment(input: Input, ctx: SimulatorContext) {
  requireInstance(ctx, input.InstanceArn);
  const key = assignmentKey(input);
  requirePermissionSet(ctx, key.permissionSetArn);
  requireAccount(ctx, key.accountId);
  requirePrincipal(ctx, key.principalType, key.principalId);
  assertMayManage(ctx, "CreateAccountAssignment", key.permissionSetArn, key.accountId);
  assertNoConflict(ctx, key);
  const config = ctx.config();
  if (ctx.state.inflightCreates >= config.maxInflightCreates) {
    const message = `You have exceeded the limit of ${config.maxInflightCreates} outstanding CreateAccountAssignment requests. Retry after some of them complete.`;
    throw config.inflightCapError === "ConflictException"
      ? conflict(message)
      : new ServiceError("ThrottlingException", message, {
          status: config.throttleHttpStatus,
          retryAfterSeconds: config.retryAfterSeconds,
        });
  }
  if (
    key.principalType === "GROUP" &&
    !ctx.state.assignments.has(`${key.accountId}|${key.permissionSetArn}|GROUP|${key.principalId}`)
  ) {
    const groupCount = [...ctx.state.assignments.values()].filter(
      (assignment) =>
        assignment.accountId === key.accountId &&
        assignment.permissionSetArn === key.permissionSetArn &&
        assignment.principalType === "GROUP",
    ).length;
    if (groupCount >= config.maxGroupsPerPermissionSetPerAccount) {
      throw serviceQuotaExceeded(
        `You have reached the maximum of ${config.maxGroupsPerPermissionSetPerAccount} groups that can be assigned to a permission set in account ${key.accountId}.`,
      );
    }
  }
  return { AccountAssignmentCreationStatus: operationStatus(ctx.engine.startAssignmentOperation("create", key)) };
}

function deleteAccountAssignment(input: Input, ctx: SimulatorContext) {
  requireInstance(ctx, input.InstanceArn);
  const key = assignmentKey(input);
  requirePermissionSet(ctx, key.permissionSetArn);
  requireAccount(ctx, key.accountId);
  assertMayManage(ctx, "DeleteAccountAssignment", key.permissionSetArn, key.accountId);
  assertNoConflict(ctx, key);
  const exists = ctx.state.assignments.has(
    `${key.accountId}|${key.permissionSetArn}|${key.principalType}|${key.principalId}`,
  );
  if (!exists && ctx.config().missingDeleteBehavior === "not-found") {
    throw resourceNotFound(
      `Could not find the account assignment for ${key.principalType} ${key.principalId} with permission set ${key.permissionSetArn} in account ${key.accountId}.`,
    );
  }
  return {
    AccountAssignmentDeletionStatus: operationStatus(
      ctx.engine.startAssignmentOperation("delete", key, { targetMissing: !exists }),
    ),
  };
}

function findOperation(ctx: SimulatorContext, kind: "create" | "delete", id: string): AssignmentOperation {
  const operation = ctx.state.operations.get(id);
  const visible = operation && ctx.now() - operation.createdAtMs >= ctx.config().statusVisibilityDelayMs;
  if (!operation || operation.kind !== kind || !visible) {
    throw resourceNotFound(
      `Could not find the account assignment ${kind === "create" ? "creation" : "deletion"} request with id ${id}.`,
    );
  }
  return operation;
}

function listOperationStatuses(kind: "create" | "delete", operationName: string) {
  return (input: Input, ctx: SimulatorContext) => {
    requireInstance(ctx, input.InstanceArn);
    const wanted = (input.Filter as { Status?: OperationStatus } | undefined)?.Status;
    // Like Describe*Status, the list only shows an operation once it is visible (eventual consistency).
    const visibleBefore = ctx.now() - ctx.config().statusVisibilityDelayMs;
    const matching = [...ctx.state.operations.values()].filter(
      (operation) =>
        operation.kind === kind &&
        (wanted === undefined || operation.status === wanted) &&
        operation.createdAtMs <= visibleBefore,
    );
    const result = page(ctx, operationName, input, matching);
    const items = result.items.map((operation) => ({
      Status: operation.status,
      RequestId: operation.requestId,
      CreatedDate: epochSeconds(operation.createdAtMs),
    }));
    return {
      [kind === "create" ? "AccountAssignmentsCreationStatus" : "AccountAssignmentsDeletionStatus"]: items,
      ...(result.nextToken ? { NextToken: result.nextToken } : {}),
    };
  };
}

function withToken<T extends object>(body: T, nextToken: string | undefined) {
  return nextToken ? { ...body, NextToken: nextToken } : body;
}

/** Seconds in an ISO-8601 duration such as PT4H; undefined when it does not parse. */
export function sessionSeconds(duration: string): number | undefined {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(duration);
  if (!match) return undefined;
  const [, days = "0", hours = "0", minutes = "0", seconds = "0"] = match;
  return Number(days) * 86400 + Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
}

const operations: Record<string, OperationDefinition> = {
  ListInstances: {
    input: structure({ ...paging }),
    handle(input, ctx) {
      const result = page(ctx, "ListInstances", input, [instanceMetadata(ctx)]);
      return withToken({ Instances: result.items }, result.nextToken);
    },
  },
  DescribeInstance: {
    input: structure({ InstanceArn: instanceArn }),
    handle(input, ctx) {
      requireInstance(ctx, input.InstanceArn);
      return instanceMetadata(ctx);
    },
  },
  ListPermissionSets: {
    input: structure({ InstanceArn: instanceArn, ...paging }),
    handle(input, ctx) {
      requireInstance(ctx, input.InstanceArn);
      const result = page(ctx, "ListPermissionSets", input, [...ctx.state.permissionSets.keys()]);
      return withToken({ PermissionSets: result.items }, result.nextToken);
    },
  },
  DescribePermissionSet: {
    input: structure({ InstanceArn: instanceArn, PermissionSetArn: required(permissionSetArn) }),
    handle(input, ctx) {
      requireInstance(ctx, input.InstanceArn);
      const set = requirePermissionSet(ctx, input.PermissionSetArn);
      return {
        PermissionSet: {
          Name: set.name,
          PermissionSetArn: set.arn,
          ...(set.description !== undefined ? { Description: set.description } : {}),
          CreatedDate: epochSeconds(set.createdAtMs),
          SessionDuration: set.sessionDuration,
          ...(set.relayState !== undefined ? { RelayState: set.relayState } : {}),
        },
      };
    },
  },
  UpdatePermissionSet: {
    input: structure({
      InstanceArn: instanceArn,
      PermissionSetArn: required(permissionSetArn),
      Description: string({
        minLength: 1,
        maxLength: 700,
        pattern: "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*",
      }),
      SessionDuration: string({ minLength: 1, maxLength: 100, pattern: PATTERNS.sessionDuration }),
      RelayState: string({ minLength: 1, maxLength: 240 }),
    }),
    handle(input, ctx) {
      requireInstance(ctx, input.InstanceArn);
      const set = requirePermissionSet(ctx, input.PermissionSetArn);
      assertMayManage(ctx, "UpdatePermissionSet", set.arn);
      if (typeof input.SessionDuration === "string") {
        const seconds = sessionSeconds(input.SessionDuration);
        if (seconds === undefined || seconds < MIN_SESSION_SECONDS || seconds > MAX_SESSION_SECONDS) {
          throw validationError(
            `Session duration ${input.SessionDuration} is invalid. It must be between PT1H and PT12H.`,
          );
        }
      }
      // Existing roles keep the old version until ProvisionPermissionSet runs.
      ctx.state.editPermissionSet(set, () => {
        if (typeof input.SessionDuration === "string") set.sessionDuration = input.SessionDuration;
        if (typeof input.Description === "string") set.description = input.Description;
        if (typeof input.RelayState === "string") set.relayState = input.RelayState;
      });
      ctx.changed();
      return {};
    },
  },
  ListPermissionSetsProvisionedToAccount: {
    input: structure({
      InstanceArn: instanceArn,
      AccountId: required(accountId),
      ProvisioningStatus: provisioningStatusFilter,
      ...paging,
    }),
    handle(input, ctx) {
      requireInstance(ctx, input.InstanceArn);
      const wanted = input.ProvisioningStatus;
      const arns = [...ctx.state.permissionSets.keys()].filter((arn) => {
        const record = ctx.state.provisioned.get(`${arn}|${String(input.AccountId)}`);
        if (!record) return false;
        if (wanted === "LATEST_PERMISSION_SET_PROVISIONED") return record.latest;
        if (wanted === "LATEST_PERMISSION_SET_NOT_PROVISIONED") return !record.latest;
        return true;
      });
      const result = page(ctx, "ListPermissionSetsProvisionedToAccount", input, arns);
      return withToken({ PermissionSets: result.items }, result.nextToken);
    },
  },
  ListAccountsForProvisionedPermissionSet: {
    input: structure({
      InstanceArn: instanceArn,
      PermissionSetArn: required(permissionSetArn),
      ProvisioningStatus: provisioningStatusFilter,
      ...paging,
    }),
    handle(input, ctx) {
      requireInstance(ctx, input.InstanceArn);
      const set = requirePermissionSet(ctx, input.PermissionSetArn);
      const wanted = input.ProvisioningStatus;
      const accountIds = ctx.seed.accounts
        .map((account) => ctx.state.provisioned.get(`${set.arn}|${account.id}`))
        .filter((record) => record !== undefined)
        .filter((record) =>
          wanted === undefined ? true : wanted === "LATEST_PERMISSION_SET_PROVISIONED" ? record.latest : !record.latest,
        )
        .map((record) => record.accountId);
      const result = page(ctx, "ListAccountsForProvisionedPermissionSet", input, accountIds);
      return withToken({ AccountIds: result.items }, result.nextToken);
    },
  },
  CreateAccountAssignment: { input: assignmentInput, handle: createAccountAssignment },
  DeleteAccountAssignment: { input: assignmentInput, handle: deleteAccountAssignment },
  DescribeAccountAssignmentCreationStatus: {
    input: structure({ InstanceArn: instanceArn, AccountAssignmentCreationRequestId: required(requestId) }),
    handle(input, ctx) {
      requireInstance(ctx, input.InstanceArn);
      return {
        AccountAssignmentCreationStatus: operationStatus(
          findOperation(ctx, "create", input.AccountAssignmentCreationRequestId as string),
        ),
      };
    },
  },
  DescribeAccountAssignmentDeletionStatus: {
    input: structure({ InstanceArn: instanceArn, AccountAssignmentDeletionRequestId: required(requestId) }),
    handle(input, ctx) {
      requireInstance(ctx, input.InstanceArn);
      return {
        AccountAssignmentDeletionStatus: operationStatus(
          findOperation(ctx, "delete", input.AccountAssignmentDeletionRequestId as string),
        ),
      };
    },
  },
  ListAccountAssignmentCreationStatus: {
    input: structure({ InstanceArn: instanceArn, Filter: statusFilter, ...paging }),
    handle: listOperationStatuses("create", "ListAccountAssignmentCreationStatus"),
  },
  ListAccountAssignmentDeletionStatus: {
    input: structure({ InstanceArn: instanceArn, Filter: statusFilter, ...paging }),
    handle: listOperationStatuses("delete", "ListAccountAssignmentDeletionStatus"),
  },
  ListAccountAssignments: {
    input: structure({
      InstanceArn: instanceArn,
      AccountId: required(accountId),
      PermissionSetArn: required(permissionSetArn),
      ...paging,
    }),
    handle(input, ctx) {
      requireInstance(ctx, input.InstanceArn);
      const set = requirePermissionSet(ctx, input.PermissionSetArn);
      const matching = [...ctx.state.assignments.values()]
        .filter((assignment) => assignment.accountId === input.AccountId && assignment.permissionSetArn === set.arn)
        .sort((a, b) => a.principalType.localeCompare(b.principalType) || a.principalId.localeCompare(b.principalId));
      const result = page(ctx, "ListAccountAssignments", input, matching);
      const items = result.items.map((assignment) => ({
        AccountId: assignment.accountId,
        PermissionSetArn: assignment.permissionSetArn,
        PrincipalType: assignment.principalType,
        PrincipalId: assignment.principalId,
      }));
      return withToken({ AccountAssignments: items }, result.nextToken);
    },
  },
  ListAccountAssignmentsForPrincipal: {
    input: structure({
      InstanceArn: instanceArn,
      PrincipalId: required(principalId),
      PrincipalType: required(principalType),
      Filter: structure({ AccountId: accountId }),
      ...paging,
    }),
    handle(input, ctx) {
      requireInstance(ctx, input.InstanceArn);
      const accountFilter = (input.Filter as { AccountId?: string } | undefined)?.AccountId;
      const matching = [...ctx.state.assignments.values()]
        .filter(
          (assignment) =>
            assignment.principalId === input.PrincipalId &&
            assignment.principalType === input.PrincipalType &&
            (accountFilter === undefined || assignment.accountId === accountFilter),
        )
        .sort((a, b) => a.accountId.localeCompare(b.accountId) || a.permissionSetArn.localeCompare(b.permissionSetArn));
      // Documented: this API may return short pages while more results exist.
      const result = page(ctx, "ListAccountAssignmentsForPrincipal", input, matching, true);
      const items = result.items.map((assignment) => ({
        AccountId: assignment.accountId,
        PermissionSetArn: assignment.permissionSetArn,
        PrincipalId: assignment.principalId,
        PrincipalType: assignment.principalType,
      }));
      return withToken({ AccountAssignments: items }, result.nextToken);
    },
  },
  ProvisionPermissionSet: {
    input: structure({
      InstanceArn: instanceArn,
      PermissionSetArn: required(permissionSetArn),
      TargetId: accountId,
      TargetType: required(string({ enum: ["AWS_ACCOUNT", "ALL_PROVISIONED_ACCOUNTS"] })),
    }),
    handle(input, ctx) {
      requireInstance(ctx, input.InstanceArn);
      const set = requirePermissionSet(ctx, input.PermissionSetArn);
      const targetId = input.TargetId as string | undefined;
      if (input.TargetType === "AWS_ACCOUNT" && targetId === undefined)
        throw validationError("TargetId is required when TargetType is AWS_ACCOUNT.");
      if (targetId !== undefined) requireAccount(ctx, targetId);
      assertMayManage(ctx, "ProvisionPermissionSet", set.arn, targetId);
      const busy = [...ctx.state.provisioning.values()].some(
        (operation) => operation.status === "IN_PROGRESS" && operation.permissionSetArn === set.arn,
      );
      if (busy) throw conflict(MODEL_CONFLICT_MESSAGE);
      const operation = ctx.engine.startProvisioning(
        set.arn,
        input.TargetType === "AWS_ACCOUNT"
          ? { targetType: "AWS_ACCOUNT", accountId: targetId! }
          : { targetType: "ALL_PROVISIONED_ACCOUNTS" },
      );
      return { PermissionSetProvisioningStatus: provisioningStatus(operation) };
    },
  },
  DescribePermissionSetProvisioningStatus: {
    input: structure({ InstanceArn: instanceArn, ProvisionPermissionSetRequestId: required(requestId) }),
    handle(input, ctx) {
      requireInstance(ctx, input.InstanceArn);
      const operation = ctx.state.provisioning.get(input.ProvisionPermissionSetRequestId as string);
      if (!operation)
        throw resourceNotFound(
          `Could not find the permission set provisioning request with id ${String(input.ProvisionPermissionSetRequestId)}.`,
        );
      return { PermissionSetProvisioningStatus: provisioningStatus(operation) };
    },
  },
  ListPermissionSetProvisioningStatus: {
    input: structure({ InstanceArn: instanceArn, Filter: statusFilter, ...paging }),
    handle(input, ctx) {
      requireInstance(ctx, input.InstanceArn);
      const wanted = (input.Filter as { Status?: OperationStatus } | undefined)?.Status;
      const matching = [...ctx.state.provisioning.values()].filter(
        (operation) => wanted === undefined || operation.status === wanted,
      );
      const result = page(ctx, "ListPermissionSetProvisioningStatus", input, matching);
      const items = result.items.map((operation) => ({
        Status: operation.status,
        RequestId: operation.requestId,
        CreatedDate: epochSeconds(operation.createdAtMs),
      }));
      return withToken({ PermissionSetsProvisioningStatus: items }, result.nextToken);
    },
  },
  PutInlinePolicyToPermissionSet: {
    input: structure({
      InstanceArn: instanceArn,
      PermissionSetArn: required(permissionSetArn),
      InlinePolicy: required(
        string({ minLength: 1, maxLength: 32_768, pattern: "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+" }),
      ),
    }),
    handle(input, ctx) {
      requireInstance(ctx, input.InstanceArn);
      const set = requirePermissionSet(ctx, input.PermissionSetArn);
      assertMayManage(ctx, "PutInlinePolicyToPermissionSet", set.arn);
      const text = input.InlinePolicy as string;
      const size = nonWhitespaceBytes(text);
      if (size > MAX_NON_WHITESPACE_BYTES)
        throw validationError(
          `Current size of the non-whitespace characters present in the InlinePolicy Document is ${size} bytes which has exceeded the maximum limit of ${MAX_NON_WHITESPACE_BYTES} bytes`,
        );
      const parsed = parsePolicy(text);
      if (!parsed.ok) throw validationError(`Invalid PermissionsPolicy Document: ${parsed.problem}`);
      ctx.state.editPermissionSet(set, () => {
        set.inlinePolicy = text;
      });
      ctx.changed();
      return {};
    },
  },
  GetInlinePolicyForPermissionSet: {
    input: structure({ InstanceArn: instanceArn, PermissionSetArn: required(permissionSetArn) }),
    handle(input, ctx) {
      requireInstance(ctx, input.InstanceArn);
      const set = requirePermissionSet(ctx, input.PermissionSetArn);
      if (set.inlinePolicy !== undefined) return { InlinePolicy: set.inlinePolicy };
      return ctx.config().emptyInlinePolicy === "empty-string" ? { InlinePolicy: "" } : {};
    },
  },
  DeleteInlinePolicyFromPermissionSet: {
    input: structure({ InstanceArn: instanceArn, PermissionSetArn: required(permissionSetArn) }),
    handle(input, ctx) {
      requireInstance(ctx, input.InstanceArn);
      const set = requirePermissionSet(ctx, input.PermissionSetArn);
      assertMayManage(ctx, "DeleteInlinePolicyFromPermissionSet", set.arn);
      // Deleting an absent policy succeeds without a new version (AWS behaviour unverified; moto does the same).
      if (set.inlinePolicy !== undefined) {
        ctx.state.editPermissionSet(set, () => {
          delete set.inlinePolicy;
        });
        ctx.changed();
      }
      return {};
    },
  },
  ListManagedPoliciesInPermissionSet: {
    input: structure({ InstanceArn: instanceArn, PermissionSetArn: required(permissionSetArn), ...paging }),
    handle(input, ctx) {
      requireInstance(ctx, input.InstanceArn);
      const set = requirePermissionSet(ctx, input.PermissionSetArn);
      const arns = ctx.seed.permissionSets.find((seeded) => seeded.arn === set.arn)?.managedPolicyArns ?? [];
      const result = page(ctx, "ListManagedPoliciesInPermissionSet", input, arns);
      const items = result.items.map((arn) => ({ Arn: arn, Name: arn.slice(arn.lastIndexOf("/") + 1) }));
      return withToken({ AttachedManagedPolicies: items }, result.nextToken);
    },
  },
  ListCustomerManagedPolicyReferencesInPermissionSet: {
    input: structure({ InstanceArn: instanceArn, PermissionSetArn: required(permissionSetArn), ...paging }),
    handle(input, ctx) {
      requireInstance(ctx, input.InstanceArn);
      const set = requirePermissionSet(ctx, input.PermissionSetArn);
      const references =
        ctx.seed.permissionSets.find((seeded) => seeded.arn === set.arn)?.customerManagedPolicies ?? [];
      const result = page(ctx, "ListCustomerManagedPolicyReferencesInPermissionSet", input, references);
      const items = result.items.map((reference) => ({ Name: reference.name, Path: reference.path }));
      return withToken({ CustomerManagedPolicyReferences: items }, result.nextToken);
    },
  },
  ListTagsForResource: {
    input: structure({
      InstanceArn: string({ pattern: PATTERNS.instanceArn, minLength: 10, maxLength: 1224 }),
      ResourceArn: required(string({ minLength: 10, maxLength: 2048 })),
      NextToken: paging.NextToken,
    }),
    handle(input, ctx) {
      if (input.InstanceArn !== undefined) requireInstance(ctx, input.InstanceArn);
      const known =
        input.ResourceArn === ctx.seed.instanceArn || ctx.state.permissionSets.has(input.ResourceArn as string);
      if (!known) throw resourceNotFound(`Resource ${String(input.ResourceArn)} does not exist.`);
      return { Tags: [] };
    },
  },
};

export const ssoAdminService: ServiceDefinition = {
  service: "sso-admin",
  targetPrefix: "SWBExternalService",
  signingName: "sso",
  operations,
  validationError: (violations) => validationError(coralValidationMessage(violations)),
  throttlingError: (config) => throttling(config.retryAfterSeconds, config.throttleHttpStatus),
  conflictError: () => conflict(MODEL_CONFLICT_MESSAGE),
  internalError: internalServerError,
  accessDeniedError: (operation, ctx) =>
    accessDenied(notAuthorizedMessage(ctx.config(), ctx.seed, `sso:${operation}`, ctx.seed.instanceArn)),
  authorize(operation, ctx) {
    if (ctx.config().callerMode === "member") throw ssoAdminService.accessDeniedError(operation, ctx);
  },
};
