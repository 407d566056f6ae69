// Rate limits at Slack's documented tiers (token buckets) and scripted faults, decided before a method runs.
import { z } from "zod";
import { TokenBucket } from "../simulator/faults";

interface Tier {
  perMinute: number;
  burst: number;
  /** chat.postMessage is limited per channel, not per workspace. */
  perChannel?: boolean;
}

const TIER_3: Tier = { perMinute: 50, burst: 50 };
const TIER_4: Tier = { perMinute: 100, burst: 100 };

// Slack's tiers per method; the real limits are "at least" these numbers, so a client that keeps to them is safe.
export const METHOD_TIERS: Readonly<Record<string, Tier>> = {
  // Special tier: about one message per second per channel, with a short burst allowance.
  "chat.postMessage": { perMinute: 60, burst: 5, perChannel: true },
  "chat.update": TIER_3,
  "chat.postEphemeral": TIER_4,
  "conversations.open": TIER_3,
  "conversations.history": TIER_3,
  "users.lookupByEmail": TIER_3,
  "users.info": TIER_4,
  "views.open": TIER_4,
  "views.update": TIER_4,
  // Special tier: several hundred a minute.
  "auth.test": { perMinute: 600, burst: 100 },
};

export const RateLimitSettingsSchema = z.strictObject({
  enabled: z.boolean().optional(),
  /** Multiplies every tier's rate and burst: 0.1 makes limits ten times tighter, 10 ten times looser. */
  scale: z.number().positive().max(1000).optional(),
});
export type RateLimitSettings = z.infer<typeof RateLimitSettingsSchema>;

export const FaultSchema = z
  .strictObject({
    method: z.string().min(1),
    /** "429": ratelimited + Retry-After; "500": HTTP 500, the call is not performed; "error": HTTP 200 ok:false; "delay": answer late, then perform. */
    mode: z.enum(["429", "500", "error", "delay"]),
    code: z.string().min(1).optional(),
    count: z.number().int().positive().optional(),
    /** Epoch milliseconds; the fault applies to every call until then. */
    untilMs: z.number().int().positive().optional(),
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
    delayMs: z.number().int().min(0).max(60_000).optional(),
  })
  .refine((fault) => fault.mode !== "error" || fault.code !== undefined, {
    message: 'mode "error" needs a code',
    path: ["code"],
  });
export type Fault = z.infer<typeof FaultSchema>;

export type FaultDecision =
  | { kind: "ratelimited"; retryAfterSeconds: number }
  | { kind: "http500" }
  | { kind: "error"; code: string }
  | { kind: "delay"; delayMs: number };

export class FaultPlan {
  private faults: (Fault & { remaining: number | null })[] = [];
  private buckets = new Map<string, TokenBucket>();
  private settings: Required<RateLimitSettings>;

  constructor(
    private readonly initialSettings: Required<RateLimitSettings>,
    private readonly now: () => number,
  ) {
    this.settings = { ...initialSettings };
  }

  reset() {
    this.faults = [];
    this.buckets.clear();
    this.settings = { ...this.initialSettings };
  }

  addFault(fault: Fault) {
    const remaining = fault.untilMs !== undefined && fault.count === undefined ? null : (fault.count ?? 1);
    this.faults.push({ ...fault, remaining });
  }

  clearFaults() {
    this.faults = [];
  }

  listFaults(): (Fault & { remaining: number | null })[] {
    const now = this.now();
    return this.faults.filter((fault) => fault.untilMs === undefined || fault.untilMs > now).map((f) => ({ ...f }));
  }

  rateLimits(): Required<RateLimitSettings> {
    return { ...this.settings };
  }

  setRateLimits(patch: RateLimitSettings): Required<RateLimitSettings> {
    this.settings = { ...this.settings, ...patch };
    this.buckets.clear();
    return this.rateLimits();
  }

  /** The first matching scripted fault, consumed; scripted faults do not take rate-limit tokens. */
  scripted(method: string): FaultDecision | null {
    const now = this.now();
    this.faults = this.faults.filter((fault) => fault.untilMs === undefined || fault.untilMs > now);
    const fault = this.faults.find((candidate) => candidate.method === method);
    if (!fault) return null;
    if (fault.remaining !== null) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
    }
    switch (fault.mode) {
      case "429":
        return { kind: "ratelimited", retryAfterSeconds: fault.retryAfterSeconds ?? 1 };
      case "500":
        return { kind: "http500" };
      case "error":
        return { kind: "error", code: fault.code ?? "internal_error" };
      case "delay":
        return { kind: "delay", delayMs: fault.delayMs ?? 1000 };
    }
  }

  /** Takes a token from the method's bucket (per channel for chat.postMessage); null when allowed. */
  rateLimit(method: string, channelKey: string | undefined): { retryAfterSeconds: number } | null {
    const tier = METHOD_TIERS[method];
    if (!tier || !this.settings.enabled) return null;
    const ratePerSecond = (tier.perMinute / 60) * this.settings.scale;
    const burst = Math.max(1, Math.floor(tier.burst * this.settings.scale));
    const key = tier.perChannel ? `${method}:${channelKey ?? ""}` : method;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(ratePerSecond, burst, this.now());
      this.buckets.set(key, bucket);
    }
    if (bucket.tryTake(this.now())) return null;
    // One token takes 1/rate seconds to refill; Slack sends whole seconds.
    return { retryAfterSeconds: Math.max(1, Math.ceil(1 / ratePerSecond)) };
  }
}
