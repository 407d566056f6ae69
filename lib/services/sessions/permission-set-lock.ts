import { setTimeout as delay } from "node:timers/promises";
import { RetryLater } from "../grants/grant-support";

/** Exclusive hold on one permission set's inline policy while a worker reads, edits and provisions it. */
export interface PermissionSetLock {
  /** False once the lock may have passed to another worker: stop before writing to AWS. */
  readonly held: boolean;
  release(): Promise<void> | void;
}

export interface PermissionSetLocks {
  /** Waits for the lock; throws RetryLater when it stays taken too long. */
  lock(permissionSetArn: string): Promise<PermissionSetLock>;
}

/** Waits for a lock that only offers "try": polls with jitter until `timeoutMs`, then hands the job back. */
export function waitingLocks(
  tryLock: (permissionSetArn: string) => Promise<PermissionSetLock | null>,
  { timeoutMs = 120_000, pollMs = 50 }: { timeoutMs?: number; pollMs?: number } = {},
): PermissionSetLocks {
  return {
    async lock(permissionSetArn) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const lock = await tryLock(permissionSetArn);
        if (lock) return lock;
        if (Date.now() >= deadline)
          throw new RetryLater("another worker is editing this permission set's inline policy");
        await delay(pollMs / 2 + Math.random() * pollMs);
      }
    },
  };
}

const heldInThisProcess = new Set<string>();

/** Keeps the callers of this process apart only; the worker passes cross-process locks (lib/worker/pg-session-locks.ts). */
export const processPermissionSetLocks: PermissionSetLocks = waitingLocks(async (permissionSetArn) => {
  if (heldInThisProcess.has(permissionSetArn)) return null;
  heldInThisProcess.add(permissionSetArn);
  let released = false;
  return {
    get held() {
      return !released;
    },
    release() {
      if (released) return;
      released = true;
      heldInThisProcess.delete(permissionSetArn);
    },
  };
});
