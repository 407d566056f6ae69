// The simulator without HTTP: authenticates, applies faults and rate limits, dispatches methods, keeps call and interaction logs.
import { FaultPlan, type RateLimitSettings } from "./faults";
import {
  sendBlockAction,
  sendViewSubmission,
  type ClickInput,
  type InteractionEnvironment,
  type InteractionOutcome,
  type SubmitInput,
} from "./interactions";
import { METHODS, SlackApiError, type MethodContext } from "./methods";
import { DEFAULT_SLACK_SEED, type SlackSeed } from "./seed";
import { SlackState } from "./state";
import type { ParsedApiRequest } from "./wire";

export interface RuntimeOptions {
  botToken: string;
  signingSecret: string;
  interactivityUrl?: string;
  seed?: SlackSeed;
  rateLimits?: RateLimitSettings;
  /** Clock override for trigger expiry, response_url age and rate limits. */
  now?: () => number;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface LoggedCall {
  atMs: number;
  method: string;
  /** "ok", the error code, "ratelimited" or "http500". */
  outcome: string;
  fault?: "rate-limit" | "injected";
}

const CALL_LOG_KEPT = 10_000;
const INTERACTIONS_KEPT = 1_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class SlackSimulatorRuntime {
  state: SlackState;
  readonly faults: FaultPlan;
  readonly now: () => number;
  private calls: LoggedCall[] = [];
  private callCounts: Record<string, number> = {};
  private interactions: InteractionOutcome[] = [];
  private interactivityUrl: string | undefined;
  private baseUrl = "";
  /** The dev page's last status line per Slack user. */
  readonly pageNotices = new Map<string, string>();

  constructor(private readonly options: RuntimeOptions) {
    this.now = options.now ?? Date.now;
    this.state = new SlackState(options.seed ?? DEFAULT_SLACK_SEED, this.now);
    this.faults = new FaultPlan({ enabled: true, scale: 1, ...options.rateLimits }, this.now);
    this.interactivityUrl = options.interactivityUrl;
  }

  setBaseUrl(url: string) {
    this.baseUrl = url;
  }

  getInteractivityUrl(): string | undefined {
    return this.interactivityUrl;
  }

  setInteractivityUrl(url: string | undefined) {
    this.interactivityUrl = url;
  }

  reset() {
    this.state = new SlackState(this.options.seed ?? DEFAULT_SLACK_SEED, this.now);
    this.faults.reset();
    this.calls = [];
    this.callCounts = {};
    this.interactions = [];
    this.pageNotices.clear();
    this.interactivityUrl = this.options.interactivityUrl;
  }

  methodContext(): MethodContext {
    return { state: this.state, now: this.now };
  }

  private interactionEnvironment(): InteractionEnvironment {
    return {
      ...this.methodContext(),
      signingSecret: this.options.signingSecret,
      interactivityUrl: () => this.interactivityUrl,
      baseUrl: () => this.baseUrl,
      record: (outcome) => {
        this.interactions.push(outcome);
        if (this.interactions.length > INTERACTIONS_KEPT) this.interactions.shift();
      },
    };
  }

  clickButton(input: ClickInput): Promise<InteractionOutcome> {
    return sendBlockAction(this.interactionEnvironment(), input);
  }

  submitView(input: SubmitInput): Promise<InteractionOutcome> {
    return sendViewSubmission(this.interactionEnvironment(), input);
  }

  listInteractions(): InteractionOutcome[] {
    return this.interactions.map((outcome) => ({ ...outcome }));
  }

  callSummary() {
    return { counts: { ...this.callCounts }, log: this.calls.map((call) => ({ ...call })) };
  }

  private log(call: LoggedCall) {
    this.calls.push(call);
    if (this.calls.length > CALL_LOG_KEPT * 1.1) this.calls.splice(0, this.calls.length - CALL_LOG_KEPT);
  }

  private rateLimited(atMs: number, method: string, retryAfterSeconds: number, fault: LoggedCall["fault"]) {
    this.log({ atMs, method, outcome: "ratelimited", fault });
    return {
      status: 429,
      headers: { "Content-Type": "application/json; charset=utf-8", "Retry-After": String(retryAfterSeconds) },
      body: JSON.stringify({ ok: false, error: "ratelimited" }),
    };
  }

  /** One Web API call; always HTTP 200 with {ok} except 429 (rate limited) and an injected 500. */
  async invoke(method: string, request: ParsedApiRequest): Promise<ApiResponse> {
    const atMs = this.now();
    this.callCounts[method] = (this.callCounts[method] ?? 0) + 1;
    const answer = (body: Record<string, unknown>, outcome: string, fault?: LoggedCall["fault"]): ApiResponse => {
      this.log({ atMs, method, outcome, ...(fault ? { fault } : {}) });
      return {
        status: 200,
        headers: { "Content-Type": "application/json; charset=utf-8" },
        body: JSON.stringify(body),
      };
    };
    const fault = this.faults.scripted(method);
    if (fault?.kind === "delay") await sleep(fault.delayMs);
    // An injected 500 or error never performs the call, so a client's retry is exactly-once.
    if (fault?.kind === "http500") {
      this.log({ atMs, method, outcome: "http500", fault: "injected" });
      return { status: 500, headers: { "Content-Type": "text/plain" }, body: "Internal Server Error" };
    }
    if (fault?.kind === "error") return answer({ ok: false, error: fault.code }, fault.code, "injected");
    if (fault?.kind === "ratelimited") return this.rateLimited(atMs, method, fault.retryAfterSeconds, "injected");
    const handler = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
    if (!handler) return answer({ ok: false, error: "unknown_method" }, "unknown_method");
    if (request.invalidJson) return answer({ ok: false, error: "invalid_json" }, "invalid_json");
    if (!request.token) return answer({ ok: false, error: "not_authed" }, "not_authed");
    if (request.token !== this.options.botToken) return answer({ ok: false, error: "invalid_auth" }, "invalid_auth");
    const channelRef = typeof request.args.channel === "string" ? request.args.channel : undefined;
    const channelKey = channelRef ? (this.state.resolveConversation(channelRef)?.id ?? channelRef) : undefined;
    const limited = this.faults.rateLimit(method, channelKey);
    if (limited) return this.rateLimited(atMs, method, limited.retryAfterSeconds, "rate-limit");
    try {
      return answer({ ok: true, ...handler(request.args, this.methodContext()) }, "ok");
    } catch (error) {
      if (!(error instanceof SlackApiError)) throw error;
      return answer({ ok: false, error: error.code, ...error.extra }, error.code);
    }
  }
}
