import type pg from "pg";
import { RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";

// Failed user-code entries are counted per person and per address in Postgres, so every web process shares the count.
export const GUESS_LIMITS = {
  perUser: { points: 10, durationSeconds: 15 * 60 },
  perIp: { points: 30, durationSeconds: 15 * 60 },
} as const;

export interface GuessKeys {
  userId: string;
  ip: string | null;
}

export interface DeviceCodeGuessLimiter {
  /** True when this person or address has used up its failed attempts. */
  blocked(keys: GuessKeys): Promise<boolean>;
  /** Counts one wrong code. */
  recordMiss(keys: GuessKeys): Promise<void>;
}

export function createGuessLimiter(pool: pg.Pool): DeviceCodeGuessLimiter {
  const common = { storeClient: pool, storeType: "pool", tableName: "DeviceCodeGuessLimit", tableCreated: true };
  const perUser = new RateLimiterPostgres({
    ...common,
    keyPrefix: "device-user",
    points: GUESS_LIMITS.perUser.points,
    duration: GUESS_LIMITS.perUser.durationSeconds,
    // Both limiters share the table: one (unref'd) sweep of expired rows every 5 minutes serves them both.
    clearExpiredByTimeout: true,
  });
  const perIp = new RateLimiterPostgres({
    ...common,
    keyPrefix: "device-ip",
    points: GUESS_LIMITS.perIp.points,
    duration: GUESS_LIMITS.perIp.durationSeconds,
    clearExpiredByTimeout: false,
  });
  const spent = async (limiter: RateLimiterPostgres, key: string, points: number) =>
    ((await limiter.get(key))?.consumedPoints ?? 0) >= points;
  // consume() rejects with a RateLimiterRes once over the limit: the miss is counted either way.
  const count = (limiter: RateLimiterPostgres, key: string) =>
    limiter.consume(key).then(
      () => undefined,
      (outcome: unknown) => {
        if (!(outcome instanceof RateLimiterRes)) throw outcome;
      },
    );
  return {
    async blocked({ userId, ip }) {
      const [user, address] = await Promise.all([
        spent(perUser, userId, GUESS_LIMITS.perUser.points),
        ip ? spent(perIp, ip, GUESS_LIMITS.perIp.points) : false,
      ]);
      return user || address;
    },
    async recordMiss({ userId, ip }) {
      await Promise.all([count(perUser, userId), ip ? count(perIp, ip) : undefined]);
    },
  };
}
