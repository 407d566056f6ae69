// The simulator without HTTP: dispatches awsJson calls, applies faults, owns state, config and counters.
import { randomUUID } from "node:crypto";
import { applyConfigPatch, DEFAULT_SIMULATOR_CONFIG, type ScriptedFault, type SimulatorConfig } from "./config";
import type { ServiceDefinition, SimulatorContext } from "./context";
import { serializationError, ServiceError, unknownOperation } from "./errors";
import { createRandom, FaultInjector, type FaultDecision } from "./faults";
import { identityStoreService } from "./identitystore";
import { OperationEngine } from "./operations";
import { organizationsService } from "./organizations";
import { PageTokens } from "./pagination";
import { DEMO_SEED, type DemoSeed } from "./seed";
import { ssoAdminService } from "./sso-admin";
import { handleAssumeRole } from "./assume-role";
import { handleIamQuery } from "./iam";
import { handlePortal, issuePortalToken, PORTAL_ROUTES, portalError } from "./portal";
import { authenticate, sessionIdentity } from "./sessions";
import { parseAuthorization, type SignedRequest } from "./sigv4";
import { handleStsQuery, stsAction } from "./sts";
import {
  SimulatorState,
  type AssignmentKey,
  type AssignmentOperation,
  type AssignmentRecord,
  type ProvisionedRecord,
  type PortalToken,
  type ProvisioningOperation,
  type StateSnapshot,
} from "./state";
import { validateInput } from "./validation";

const SERVICES: readonly ServiceDefinition[] = [ssoAdminService, identityStoreService, organizationsService];
const SERVICE_BY_PREFIX = new Map(SERVICES.map((service) => [service.targetPrefix, service]));

export interface AwsResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** "reset": drop the connection without answering (an injected connection reset). */
export type InvokeResult = AwsResponse | "reset";

export interface SimulatorCounters {
  /** Every received call (each SDK retry counts), by operation name. */
  calls: Record<string, number>;
  /** Calls answered with a throttling error (rate limit or injection). */
  throttled: number;
  /** Calls answered with InternalServerException / ServiceException. */
  internalErrors: number;
  /** Connections dropped on purpose. */
  resets: number;
  /** Error responses by error type. */
  errors: Record<string, number>;
}

export interface SimulatorStateView {
  config: SimulatorConfig;
  assignments: AssignmentRecord[];
  inFlight: AssignmentOperation[];
  inFlightProvisioning: ProvisioningOperation[];
  recentOperations: AssignmentOperation[];
  operationCounts: Record<"create" | "delete", Record<"IN_PROGRESS" | "SUCCEEDED" | "FAILED", number>>;
  provisioned: ProvisionedRecord[];
  /** Each permission set's current inline policy and version (accounts' copies are in `provisioned`). */
  inlinePolicies: { permissionSetArn: string; policyVersion: number; inlinePolicy?: string }[];
  /** Role sessions issued by GetRoleCredentials, without their secrets. */
  roleSessions: {
    accessKeyId: string;
    userId: string;
    accountId: string;
    permissionSetArn: string;
    issuedAtMs: number;
    expiresAtMs: number;
  }[];
  counters: SimulatorCounters;
  /** The last 200 AWS calls, oldest first. */
  recentCalls: RecordedCall[];
  pendingFaults: ScriptedFault[];
}

export interface RuntimeOptions {
  config?: unknown;
  snapshot?: StateSnapshot;
  seed?: DemoSeed;
  /** Called whenever persisted state changed. */
  onStateChange?: () => void;
}

const RECENT_CALLS_KEPT = 200;

/** One received AWS call, with the SDK's retry bookkeeping headers (same invocation id on every attempt). */
export interface RecordedCall {
  atMs: number;
  target: string;
  invocationId: string | undefined;
  /** e.g. "attempt=2; max=3" */
  sdkRequest: string | undefined;
  /** "ok", "reset" or the error type. */
  outcome: string;
}

/** One AWS call in the operation log (GET /__sim/log): arrival time, outcome, and whether a fault was injected or the rate limit hit. */
export interface LoggedCall {
  atMs: number;
  service: string;
  operation: string;
  outcome: string;
  fault?: "rate-limit" | "injected" | "scripted";
}

export interface SimulatorLog {
  calls: LoggedCall[];
  /** Every retained assignment operation (create/delete), oldest first; these survive a restart with the state file. */
  operations: AssignmentOperation[];
}

// Enough for long chaos runs; the oldest calls go first.
const CALL_LOG_KEPT = 200_000;

const emptyCounters = (): SimulatorCounters => ({ calls: {}, throttled: 0, internalErrors: 0, resets: 0, errors: {} });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const CREDENTIAL_SCOPE = /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/;

export class SimulatorRuntime {
  readonly seed: DemoSeed;
  private readonly initialConfig: SimulatorConfig;
  private config: SimulatorConfig;
  private injector: FaultInjector;
  private counters = emptyCounters();
  private recentCalls: RecordedCall[] = [];
  private callLog: LoggedCall[] = [];
  private readonly tokens = new PageTokens();
  private readonly onStateChange: () => void;
  readonly ctx: SimulatorContext;

  constructor(options: RuntimeOptions = {}) {
    this.seed = options.seed ?? DEMO_SEED;
    this.initialConfig = applyConfigPatch(DEFAULT_SIMULATOR_CONFIG, options.config);
    this.config = this.initialConfig;
    this.injector = new FaultInjector(this.config, createRandom(this.config.randomSeed));
    this.onStateChange = options.onStateChange ?? (() => undefined);
    const state = options.snapshot ? SimulatorState.fromSnapshot(options.snapshot) : SimulatorState.fromSeed(this.seed);
    this.ctx = {
      seed: this.seed,
      state,
      engine: this.createEngine(state),
      tokens: this.tokens,
      config: () => this.config,
      random: () => this.injector.nextRandom(),
      now: () => Date.now(),
      changed: () => this.onStateChange(),
    };
    this.ctx.engine.resume();
  }

  private createEngine(state: SimulatorState): OperationEngine {
    return new OperationEngine({
      seed: this.seed,
      state,
      config: () => this.config,
      random: () => this.injector.nextRandom(),
      now: () => Date.now(),
      changed: () => this.onStateChange(),
    });
  }

  getConfig(): SimulatorConfig {
    return this.config;
  }

  setConfig(patch: unknown): SimulatorConfig {
    this.config = applyConfigPatch(this.config, patch);
    this.injector.reconfigure(this.config);
    return this.config;
  }

  /** Back to the seed state, zero counters and the configuration the simulator started with. */
  reset() {
    this.ctx.engine.stop();
    this.ctx.state = SimulatorState.fromSeed(this.seed);
    this.ctx.engine = this.createEngine(this.ctx.state);
    this.config = this.initialConfig;
    this.injector = new FaultInjector(this.config, createRandom(this.config.randomSeed));
    this.counters = emptyCounters();
    this.recentCalls = [];
    this.callLog = [];
    this.onStateChange();
  }

  stop() {
    this.ctx.engine.stop();
  }

  snapshot(): StateSnapshot {
    return this.ctx.state.snapshot();
  }

  /** Adds an assignment directly, as if someone made it in the console (no async operation). */
  seedAssignment(key: AssignmentKey): boolean {
    const problem = this.unknownReference(key);
    if (problem) throw new Error(`cannot seed assignment: ${problem}`);
    const added = this.ctx.state.putAssignment({ ...key, origin: "out-of-band", createdAtMs: Date.now() });
    if (added) this.onStateChange();
    return added;
  }

  private unknownReference(key: AssignmentKey): string | undefined {
    if (!this.seed.accounts.some((account) => account.id === key.accountId)) return `unknown account ${key.accountId}`;
    if (!this.ctx.state.permissionSets.has(key.permissionSetArn))
      return `unknown permission set ${key.permissionSetArn}`;
    const principals =
      key.principalType === "USER"
        ? this.seed.users.map((user) => user.userId)
        : this.seed.groups.map((group) => group.groupId);
    if (!principals.includes(key.principalId)) return `unknown ${key.principalType.toLowerCase()} ${key.principalId}`;
    return undefined;
  }

  removeAssignment(key: AssignmentKey): boolean {
    const removed = this.ctx.state.removeAssignment(key);
    if (removed) this.onStateChange();
    return removed;
  }

  getState(): SimulatorStateView {
    const { state } = this.ctx;
    const operations = [...state.operations.values()];
    const operationCounts: SimulatorStateView["operationCounts"] = {
      create: { IN_PROGRESS: 0, SUCCEEDED: 0, FAILED: 0 },
      delete: { IN_PROGRESS: 0, SUCCEEDED: 0, FAILED: 0 },
    };
    for (const operation of operations) operationCounts[operation.kind][operation.status] += 1;
    const copy = <T extends object>(value: T): T => ({ ...value });
    return {
      config: this.config,
      assignments: [...state.assignments.values()].map(copy),
      inFlight: operations.filter((operation) => operation.status === "IN_PROGRESS").map(copy),
      inFlightProvisioning: [...state.provisioning.values()]
        .filter((operation) => operation.status === "IN_PROGRESS")
        .map(copy),
      recentOperations: operations.slice(-50).map(copy),
      operationCounts,
      provisioned: [...state.provisioned.values()].map(copy),
      inlinePolicies: [...state.permissionSets.values()].map((set) => ({
        permissionSetArn: set.arn,
        policyVersion: set.policyVersion,
        ...(set.inlinePolicy !== undefined ? { inlinePolicy: set.inlinePolicy } : {}),
      })),
      roleSessions: [...state.roleSessions.values()].map(
        ({ accessKeyId, userId, accountId, permissionSetArn, issuedAtMs, expiresAtMs }) => ({
          accessKeyId,
          userId,
          accountId,
          permissionSetArn,
          issuedAtMs,
          expiresAtMs,
        }),
      ),
      counters: structuredClone(this.counters),
      recentCalls: this.recentCalls.slice(-RECENT_CALLS_KEPT).map((call) => ({ ...call })),
      pendingFaults: this.injector.pendingFaults(),
    };
  }

  /** Read-only operation log for harnesses: every call since start (or reset) and every retained assignment operation. */
  getLog(): SimulatorLog {
    return {
      calls: this.callLog.map((call) => ({ ...call })),
      operations: [...this.ctx.state.operations.values()].map((operation) => ({ ...operation })),
    };
  }

  /** rawBody undefined: the body exceeded the size limit. */
  async invoke(
    target: string | undefined,
    rawBody: string | undefined,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<InvokeResult> {
    const arrivedAtMs = Date.now();
    const note: { fault?: LoggedCall["fault"] } = {};
    const result = await this.dispatch(target, rawBody, headers, note);
    const header = (name: string) => (typeof headers[name] === "string" ? (headers[name] as string) : undefined);
    const outcome =
      result === "reset"
        ? "reset"
        : result.status === 200
          ? "ok"
          : (result.headers["x-amzn-ErrorType"] ?? String(result.status));
    this.recentCalls.push({
      atMs: Date.now(),
      target: target ?? "",
      invocationId: header("amz-sdk-invocation-id"),
      sdkRequest: header("amz-sdk-request"),
      outcome,
    });
    const separator = target?.indexOf(".") ?? -1;
    const service =
      separator > 0 ? (SERVICE_BY_PREFIX.get(target!.slice(0, separator))?.service ?? "unknown") : "unknown";
    this.callLog.push({
      atMs: arrivedAtMs,
      service,
      operation: separator > 0 ? target!.slice(separator + 1) : "",
      outcome,
      ...(note.fault ? { fault: note.fault } : {}),
    });
    if (this.callLog.length > CALL_LOG_KEPT * 1.1) this.callLog.splice(0, this.callLog.length - CALL_LOG_KEPT);
    // Trim in batches so a busy simulator does not shift the array on every call.
    if (this.recentCalls.length > RECENT_CALLS_KEPT * 2)
      this.recentCalls.splice(0, this.recentCalls.length - RECENT_CALLS_KEPT);
    return result;
  }

  /** Issues an access-portal token for an Identity Store user (dev stand-in for the OIDC device flow). */
  issuePortalToken(userId: string, ttlSeconds?: number): PortalToken {
    if (!this.seed.users.some((user) => user.userId === userId)) throw new Error(`unknown user ${userId}`);
    return issuePortalToken(this.ctx, userId, ttlSeconds);
  }

  /** Replaces (or with null removes) a permission set's inline policy without validation, as a console edit or a broken import would. */
  setInlinePolicyOutOfBand(permissionSetArn: string, inlinePolicy: string | null): boolean {
    const set = this.ctx.state.permissionSets.get(permissionSetArn);
    if (!set) return false;
    this.ctx.state.editPermissionSet(set, () => {
      if (inlinePolicy === null) delete set.inlinePolicy;
      else set.inlinePolicy = inlinePolicy;
    });
    this.onStateChange();
    return true;
  }

  private record(service: string, operation: string, arrivedAtMs: number, outcome: string, fault: FaultDecision) {
    if (outcome !== "ok" && outcome !== "reset")
      this.counters.errors[outcome] = (this.counters.errors[outcome] ?? 0) + 1;
    this.recentCalls.push({
      atMs: Date.now(),
      target: `${service}.${operation}`,
      invocationId: undefined,
      sdkRequest: undefined,
      outcome,
    });
    this.callLog.push({ atMs: arrivedAtMs, service, operation, outcome, ...(fault ? { fault: fault.reason } : {}) });
  }

  /** A query-protocol call (form-encoded Action=...): IAM when signed for "iam", else STS; counted, faulted and logged. */
  async invokeQuery(signed: SignedRequest): Promise<InvokeResult> {
    const arrivedAtMs = Date.now();
    const service = parseAuthorization(signed.headers.authorization)?.service === "iam" ? "iam" : "sts";
    const operation = stsAction(signed.body) ?? "";
    this.counters.calls[operation] = (this.counters.calls[operation] ?? 0) + 1;
    if (this.config.latencyMs > 0) await sleep(this.config.latencyMs);
    const fault = this.injector.decide(service, operation, Date.now());
    if (fault?.kind === "reset") {
      this.counters.resets += 1;
      this.record(service, operation, arrivedAtMs, "reset", fault);
      return "reset";
    }
    const result =
      service === "iam"
        ? handleIamQuery(this.ctx, signed, fault)
        : operation === "AssumeRole"
          ? handleAssumeRole(this.ctx, signed.body, authenticate(this.ctx, signed), fault)
          : handleStsQuery(signed.body, {
              config: this.config,
              seed: this.seed,
              fault,
              auth: authenticate(this.ctx, signed),
              identify: (session) => sessionIdentity(this.ctx, session),
            });
    this.record(service, operation, arrivedAtMs, result.outcome, fault);
    return result;
  }

  /** An access-portal (restJson1) call, or undefined when the route is not one of the portal's. */
  async invokePortal(
    method: string,
    url: string,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<InvokeResult | undefined> {
    const [pathname = "/", search = ""] = url.split("?");
    const operation = PORTAL_ROUTES[`${method} ${pathname}`];
    if (operation === undefined) return undefined;
    const arrivedAtMs = Date.now();
    const requestId = randomUUID();
    this.counters.calls[operation] = (this.counters.calls[operation] ?? 0) + 1;
    if (this.config.latencyMs > 0) await sleep(this.config.latencyMs);
    const fault = this.injector.decide("sso", operation, Date.now());
    if (fault?.kind === "reset") {
      this.counters.resets += 1;
      this.record("sso", operation, arrivedAtMs, "reset", fault);
      return "reset";
    }
    let result: AwsResponse;
    try {
      if (fault?.kind === "throttle") throw portalError.tooManyRequests();
      if (fault?.kind === "internal" || fault?.kind === "conflict") throw portalError.internal();
      if (fault?.kind === "access-denied") throw portalError.forbidden();
      const output = handlePortal(this.ctx, operation, new URLSearchParams(search), headers);
      result = {
        status: 200,
        headers: { "Content-Type": "application/json", "x-amzn-RequestId": requestId },
        body: output === undefined ? "" : JSON.stringify(output),
      };
    } catch (error) {
      const known = error instanceof ServiceError ? error : portalError.internal();
      if (!(error instanceof ServiceError)) console.error(`[simulator] ${operation} failed unexpectedly:`, error);
      if (known.errorType === "TooManyRequestsException") this.counters.throttled += 1;
      result = {
        status: known.status,
        headers: {
          "Content-Type": "application/json",
          "x-amzn-RequestId": requestId,
          "x-amzn-ErrorType": known.errorType,
        },
        body: JSON.stringify({ message: known.message }),
      };
    }
    this.record(
      "sso",
      operation,
      arrivedAtMs,
      result.status === 200 ? "ok" : result.headers["x-amzn-ErrorType"]!,
      fault,
    );
    return result;
  }

  private async dispatch(
    target: string | undefined,
    rawBody: string | undefined,
    headers: Record<string, string | string[] | undefined>,
    note: { fault?: LoggedCall["fault"] } = {},
  ): Promise<InvokeResult> {
    const requestId = randomUUID();
    const separator = target?.indexOf(".") ?? -1;
    const service = separator > 0 ? SERVICE_BY_PREFIX.get(target!.slice(0, separator)) : undefined;
    const operationName = separator > 0 ? target!.slice(separator + 1) : "";
    const operation =
      service && Object.hasOwn(service.operations, operationName) ? service.operations[operationName] : undefined;
    if (!service || !operation) return this.errorResponse(unknownOperation(), requestId, service);
    this.counters.calls[operationName] = (this.counters.calls[operationName] ?? 0) + 1;
    const config = this.config;
    if (config.latencyMs > 0) await sleep(config.latencyMs);
    try {
      if (config.verifySigningService) this.verifySigningService(service, headers);
      const fault = this.injector.decide(service.service, operationName, Date.now());
      if (fault) note.fault = fault.reason;
      if (fault?.kind === "reset") {
        this.counters.resets += 1;
        return "reset";
      }
      if (fault?.kind === "throttle") throw service.throttlingError(config);
      if (fault?.kind === "internal") throw service.internalError();
      if (fault?.kind === "conflict") throw service.conflictError?.() ?? service.internalError();
      if (fault?.kind === "access-denied") throw service.accessDeniedError(operationName, this.ctx);
      const body = this.parseBody(rawBody);
      service.authorize?.(operationName, this.ctx);
      const { input, violations } = validateInput(operation.input, body);
      if (violations.length > 0) throw service.validationError(violations);
      const output = operation.handle(input, this.ctx);
      return {
        status: 200,
        headers: { "Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": requestId },
        body: JSON.stringify(output ?? {}),
      };
    } catch (error) {
      if (error instanceof ServiceError) return this.errorResponse(error, requestId, service);
      console.error(`[simulator] ${operationName} failed unexpectedly:`, error);
      return this.errorResponse(service.internalError(), requestId, service);
    }
  }

  private parseBody(rawBody: string | undefined): unknown {
    if (rawBody === undefined) throw serializationError("Request body exceeds the 1 MiB limit");
    if (rawBody.trim() === "") return {};
    try {
      return JSON.parse(rawBody);
    } catch {
      throw serializationError("Request body is not valid JSON");
    }
  }

  private verifySigningService(service: ServiceDefinition, headers: Record<string, string | string[] | undefined>) {
    const authorization = headers.authorization;
    if (typeof authorization !== "string")
      throw new ServiceError("MissingAuthenticationTokenException", "Missing Authentication Token", { status: 403 });
    const scope = CREDENTIAL_SCOPE.exec(authorization)?.[1];
    if (scope !== service.signingName) {
      throw new ServiceError(
        "InvalidSignatureException",
        `Credential should be scoped to correct service: '${service.signingName}'. `,
        { status: 403 },
      );
    }
  }

  private errorResponse(error: ServiceError, requestId: string, service: ServiceDefinition | undefined): AwsResponse {
    this.counters.errors[error.errorType] = (this.counters.errors[error.errorType] ?? 0) + 1;
    if (error.errorType === "ThrottlingException" || error.errorType === "TooManyRequestsException")
      this.counters.throttled += 1;
    if (error.status >= 500) this.counters.internalErrors += 1;
    const body: Record<string, unknown> = { __type: error.errorType };
    if (!error.messageOmitted) body.Message = error.message;
    Object.assign(body, error.fields);
    if (service?.service === "identitystore") {
      body.RequestId = requestId;
      if (error.retryAfterSeconds !== undefined) body.RetryAfterSeconds = error.retryAfterSeconds;
    }
    const headers: Record<string, string> = {
      "Content-Type": "application/x-amz-json-1.1",
      "x-amzn-RequestId": requestId,
      "x-amzn-ErrorType": error.errorType,
    };
    if (error.retryAfterSeconds !== undefined) headers["Retry-After"] = String(error.retryAfterSeconds);
    return { status: error.status, headers, body: JSON.stringify(body) };
  }
}
