import { RetryLater } from "../services/grants/grant-support";
import { LOCK_CLASS, type SessionLocks } from "./pg-session-locks";

export interface PgSemaphoreOptions {
  /** Slots across every worker sharing the database. */
  limit: number;
  classId?: number;
  /** How often a waiting process looks for a slot another process freed. */
  pollMs?: number;
  /** A caller that cannot get a slot this long is handed back to the queue for a later retry. */
  acquireTimeoutMs?: number;
  sleep?: (ms: number) => Promise<unknown>;
}

/**
 * Counts work in flight across processes (CreateAccountAssignment calls outstanding at AWS): each slot is a session-level
 * advisory lock, so a worker killed while holding slots gives them back the moment its database session ends.
 */
export function createPgSemaphore(locks: SessionLocks, options: PgSemaphoreOptions) {
  if (!(options.limit >= 1)) throw new RangeError("limit must be at least 1");
  const classId = options.classId ?? LOCK_CLASS.createSlot;
  const pollMs = options.pollMs ?? 100;
  const acquireTimeoutMs = options.acquireTimeoutMs ?? 120_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const slots = Array.from({ length: options.limit }, (_, i) => i);
  // Waiters in this process are served in arrival order; only the head of the line asks Postgres.
  const line: (() => void)[] = [];
  let probing = false;
  let wakeHead: (() => void) | null = null;

  async function takeSlot() {
    // Start at a random slot so processes do not all fight over slot 0.
    const offset = Math.floor(Math.random() * slots.length);
    return locks.tryLockAny(classId, [...slots.slice(offset), ...slots.slice(0, offset)]);
  }

  return {
    async acquire(): Promise<() => Promise<void>> {
      if (probing) await new Promise<void>((resolve) => line.push(resolve));
      probing = true;
      const deadline = Date.now() + acquireTimeoutMs;
      try {
        for (;;) {
          const taken = await takeSlot();
          if (taken) {
            return async () => {
              await taken.lock.release();
              wakeHead?.();
            };
          }
          if (Date.now() > deadline)
            throw new RetryLater(`no free slot among ${options.limit} after ${Math.round(acquireTimeoutMs / 1000)} s`);
          // Jitter keeps waiting processes from probing in lockstep; a release in this process wakes us at once.
          await Promise.race([
            sleep(pollMs / 2 + Math.random() * pollMs),
            new Promise<void>((resolve) => (wakeHead = resolve)),
          ]);
          wakeHead = null;
        }
      } finally {
        const next = line.shift();
        if (next) next();
        else probing = false;
      }
    },
  };
}
