// Rate limits and injected faults, decided before an operation runs.
import type { FaultKind, ScriptedFault, SimulatorConfig } from "./config";

export type ServiceName = "sso-admin" | "identitystore" | "organizations" | "sts" | "iam" | "sso";

/** mulberry32: tiny, fast and good enough to make fault sequences reproducible. */
export function createRandom(seed: number | null): () => number {
  if (seed === null) return Math.random;
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class TokenBucket {
  private tokens: number;
  private refilledAtMs: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.refilledAtMs = nowMs;
  }

  tryTake(nowMs: number): boolean {
    const elapsedSeconds = Math.max(0, nowMs - this.refilledAtMs) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsedSeconds * this.ratePerSecond);
    this.refilledAtMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export type FaultDecision = { kind: FaultKind; reason: "rate-limit" | "injected" | "scripted" } | null;

export class FaultInjector {
  private buckets = new Map<string, TokenBucket>();
  private pending: ScriptedFault[] = [];

  constructor(
    private config: SimulatorConfig,
    private random: () => number,
  ) {
    this.pending = config.nextFaults.map((fault) => ({ ...fault }));
  }

  reconfigure(config: SimulatorConfig) {
    const limitsChanged =
      config.rateLimitPerSecond !== this.config.rateLimitPerSecond ||
      config.rateLimitBurst !== this.config.rateLimitBurst ||
      config.identityStoreRateLimitPerSecond !== this.config.identityStoreRateLimitPerSecond ||
      config.organizationsRateLimitPerSecond !== this.config.organizationsRateLimitPerSecond;
    if (limitsChanged) this.buckets.clear();
    if (config.randomSeed !== this.config.randomSeed) this.random = createRandom(config.randomSeed);
    if (config.nextFaults !== this.config.nextFaults) this.pending = config.nextFaults.map((fault) => ({ ...fault }));
    this.config = config;
  }

  nextRandom(): number {
    return this.random();
  }

  pendingFaults(): ScriptedFault[] {
    return this.pending.map((fault) => ({ ...fault }));
  }

  private bucketAllows(service: ServiceName, operation: string, nowMs: number): boolean {
    // STS, IAM and the access portal only serve probes and simulated users here; their quotas are never the bottleneck.
    if (service === "sts" || service === "iam" || service === "sso") return true;
    const { key, rate, burst } =
      service === "sso-admin"
        ? { key: "sso-admin", rate: this.config.rateLimitPerSecond, burst: this.config.rateLimitBurst }
        : service === "identitystore"
          ? {
              key: `identitystore:${operation}`,
              rate: this.config.identityStoreRateLimitPerSecond,
              burst: Math.max(1, Math.ceil(this.config.identityStoreRateLimitPerSecond)),
            }
          : {
              key: "organizations",
              rate: this.config.organizationsRateLimitPerSecond,
              burst: Math.max(1, Math.ceil(this.config.organizationsRateLimitPerSecond)),
            };
    if (rate <= 0) return true;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(rate, burst, nowMs);
      this.buckets.set(key, bucket);
    }
    return bucket.tryTake(nowMs);
  }

  decide(service: ServiceName, operation: string, nowMs: number): FaultDecision {
    const scriptedIndex = this.pending.findIndex((fault) => fault.operation === operation);
    if (scriptedIndex >= 0) {
      const scripted = this.pending[scriptedIndex]!;
      scripted.count -= 1;
      if (scripted.count <= 0) this.pending.splice(scriptedIndex, 1);
      return { kind: scripted.fault, reason: "scripted" };
    }
    if (!this.bucketAllows(service, operation, nowMs)) return { kind: "throttle", reason: "rate-limit" };
    const targeted = this.config.faultOperations.length === 0 || this.config.faultOperations.includes(operation);
    if (!targeted) return null;
    if (this.config.throttleRate > 0 && this.random() < this.config.throttleRate)
      return { kind: "throttle", reason: "injected" };
    if (this.config.internalErrorRate > 0 && this.random() < this.config.internalErrorRate)
      return { kind: "internal", reason: "injected" };
    return null;
  }
}
