// Runtime knobs of the simulator: limits, delays, fault rates and caller modes, validated with zod.
import { z } from "zod";

const rate = z.number().min(0).max(1);
const milliseconds = z.number().int().min(0).max(3_600_000);

export const FaultKindSchema = z.enum(["throttle", "internal", "reset", "access-denied", "conflict"]);
export type FaultKind = z.infer<typeof FaultKindSchema>;

export const ScriptedFaultSchema = z.strictObject({
  /** Operation name, e.g. "CreateAccountAssignment". */
  operation: z.string().min(1),
  fault: FaultKindSchema,
  count: z.number().int().min(1).default(1),
});
export type ScriptedFault = z.infer<typeof ScriptedFaultSchema>;

export const FailureRuleSchema = z.strictObject({
  kind: z.enum(["create", "delete", "provision"]).optional(),
  targetId: z.string().optional(),
  permissionSetArn: z.string().optional(),
  principalId: z.string().optional(),
  /** null: FAILED without a FailureReason (observed in the wild). */
  failureReason: z.string().nullable().default("An unexpected internal service exception was encountered"),
});
export type FailureRule = z.infer<typeof FailureRuleSchema>;

export const SimulatorConfigSchema = z.strictObject({
  /** How long Create/Delete/Provision stay IN_PROGRESS. */
  asyncDelayMs: milliseconds,
  /** Added to every AWS API response. */
  latencyMs: milliseconds,
  /** sso-admin collective TPS (all operations share one bucket); 0 disables. */
  rateLimitPerSecond: z.number().min(0),
  rateLimitBurst: z.number().int().min(1),
  /** identitystore TPS per operation; 0 disables. */
  identityStoreRateLimitPerSecond: z.number().min(0),
  /** Organizations TPS (undocumented upstream); 0 disables. */
  organizationsRateLimitPerSecond: z.number().min(0),
  /** Outstanding CreateAccountAssignment operations per instance. */
  maxInflightCreates: z.number().int().min(1),
  inflightCapError: z.enum(["ThrottlingException", "ConflictException"]),
  /** Conflict when another operation is in flight on the same principal tuple, or on any principal of the same account + permission set. */
  conflictScope: z.enum(["principal", "account-permission-set"]),
  maxGroupsPerPermissionSetPerAccount: z.number().int().min(1),
  /** Deleting a missing assignment: synchronous ResourceNotFoundException, or IN_PROGRESS then FAILED without a reason. */
  missingDeleteBehavior: z.enum(["not-found", "async-failed"]),
  /** Describe*Status answers ResourceNotFoundException for this long after creation (eventual consistency). */
  statusVisibilityDelayMs: milliseconds,
  throttleRate: rate,
  internalErrorRate: rate,
  asyncFailureRate: rate,
  /** Chance that an Organizations List* page (or ListAccountAssignmentsForPrincipal) comes back empty with a NextToken. */
  emptyPageRate: rate,
  /** Restrict throttleRate/internalErrorRate to these operations; empty means all. */
  faultOperations: z.array(z.string()),
  /** Deterministic faults consumed in order by the named operation. */
  nextFaults: z.array(ScriptedFaultSchema),
  /** Asynchronous operations matching a rule end FAILED. */
  failureRules: z.array(FailureRuleSchema),
  throttleHttpStatus: z.union([z.literal(400), z.literal(429)]),
  retryAfterSeconds: z.number().int().min(0).max(3600),
  /** Seed for fault decisions; null uses Math.random. */
  randomSeed: z.number().int().nullable(),
  callerMode: z.enum(["management", "delegated-admin", "member"]),
  callerRoleName: z.string().min(1),
  /** false: assignments targeting the management account end FAILED with IAM AccessDenied (caller lacks iam:* there). */
  managementAccountIamPermissions: z.boolean(),
  /** "ad-sync": membership APIs and GetGroupId by attribute answer UnknownOperationException. */
  identitySource: z.enum(["identity-center", "ad-sync"]),
  /** Reject requests whose SigV4 credential scope names another service. */
  verifySigningService: z.boolean(),
  /** ProvisionPermissionSet to an account with no assignment: FAILED "Assignment not found", or the role gets created (both observed). */
  provisionWithoutAssignment: z.enum(["failed", "creates-role"]),
  /** What GetInlinePolicyForPermissionSet answers for a set without one (AWS's choice is undocumented). */
  emptyInlinePolicy: z.enum(["empty-string", "omitted"]),
  /** Completed operation records kept for status lookups. */
  maxRetainedOperations: z.number().int().min(100),
  /** How long GenerateCredentialReport stays STARTED/INPROGRESS before the report is COMPLETE. */
  credentialReportDelayMs: milliseconds,
  /** After this, GetCredentialReport answers ReportExpired and GenerateCredentialReport starts a new one (AWS: 4 h). */
  credentialReportTtlMs: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400_000),
  /** Per account: "corrupt" serves a cut-off CSV; "expires-on-read" answers ReportExpired to every GetCredentialReport while Generate says COMPLETE (the report expiring between the two calls). */
  credentialReportFaults: z.record(z.string().regex(/^\d{12}$/), z.enum(["corrupt", "expires-on-read"])),
});
export type SimulatorConfig = z.infer<typeof SimulatorConfigSchema>;

export const SimulatorConfigPatchSchema = SimulatorConfigSchema.partial();
export type SimulatorConfigPatch = z.input<typeof SimulatorConfigPatchSchema>;

export const DEFAULT_SIMULATOR_CONFIG: SimulatorConfig = {
  asyncDelayMs: 1500,
  latencyMs: 0,
  rateLimitPerSecond: 20,
  rateLimitBurst: 20,
  identityStoreRateLimitPerSecond: 20,
  organizationsRateLimitPerSecond: 0,
  maxInflightCreates: 15,
  inflightCapError: "ThrottlingException",
  conflictScope: "principal",
  maxGroupsPerPermissionSetPerAccount: 100,
  missingDeleteBehavior: "not-found",
  statusVisibilityDelayMs: 0,
  throttleRate: 0,
  internalErrorRate: 0,
  asyncFailureRate: 0,
  emptyPageRate: 0,
  faultOperations: [],
  nextFaults: [],
  failureRules: [],
  throttleHttpStatus: 400,
  retryAfterSeconds: 1,
  randomSeed: null,
  callerMode: "management",
  callerRoleName: "JitPortalIdentityCenter",
  managementAccountIamPermissions: true,
  identitySource: "identity-center",
  verifySigningService: false,
  provisionWithoutAssignment: "failed",
  emptyInlinePolicy: "empty-string",
  maxRetainedOperations: 10_000,
  credentialReportDelayMs: 1500,
  credentialReportTtlMs: 4 * 3_600_000,
  credentialReportFaults: {},
};

export class SimulatorConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid simulator config: ${issues.join("; ")}`);
    this.name = "SimulatorConfigError";
  }
}

export function describeZodIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join(".") : "(root)"}: ${issue.message}`);
}

export function applyConfigPatch(current: SimulatorConfig, patch: unknown): SimulatorConfig {
  const parsed = SimulatorConfigPatchSchema.safeParse(patch ?? {});
  if (!parsed.success) throw new SimulatorConfigError(describeZodIssues(parsed.error));
  const defined = Object.fromEntries(Object.entries(parsed.data).filter(([, value]) => value !== undefined));
  return { ...current, ...defined };
}
