import { describe, expect, it } from "vitest";
import { TokenBucketRateLimiter } from "./rate-limiter";

function fakeClock() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    advance: (ms: number) => void (now += ms),
    options: { now: () => now, sleep: async (ms: number) => void sleeps.push(ms) },
  };
}

describe("TokenBucketRateLimiter", () => {
  it("lets a burst through, then spaces callers at the configured rate in arrival order", async () => {
    const clock = fakeClock();
    const limiter = new TokenBucketRateLimiter({ ratePerSecond: 10, burst: 2, ...clock.options });
    await Promise.all([limiter.acquire(), limiter.acquire(), limiter.acquire(), limiter.acquire()]);
    // Two tokens in the bucket, then each caller waits one more tenth of a second than the one before.
    expect(clock.sleeps.map((ms) => Math.round(ms))).toEqual([100, 200]);
  });

  it("refills over time but never above the burst", async () => {
    const clock = fakeClock();
    const limiter = new TokenBucketRateLimiter({ ratePerSecond: 5, burst: 3, ...clock.options });
    for (let i = 0; i < 3; i++) await limiter.acquire();
    clock.advance(60_000);
    for (let i = 0; i < 3; i++) await limiter.acquire();
    expect(clock.sleeps).toEqual([]);
    await limiter.acquire();
    expect(clock.sleeps.map((ms) => Math.round(ms))).toEqual([200]);
  });

  it("defaults the burst to one second of requests", async () => {
    const clock = fakeClock();
    const limiter = new TokenBucketRateLimiter({ ratePerSecond: 4, ...clock.options });
    for (let i = 0; i < 4; i++) await limiter.acquire();
    expect(clock.sleeps).toEqual([]);
    await limiter.acquire();
    expect(clock.sleeps).toHaveLength(1);
  });

  it("rejects a rate that would never allow a request", () => {
    expect(() => new TokenBucketRateLimiter({ ratePerSecond: 0 })).toThrow(RangeError);
    expect(() => new TokenBucketRateLimiter({ ratePerSecond: 5, burst: 0 })).toThrow(RangeError);
  });
});
