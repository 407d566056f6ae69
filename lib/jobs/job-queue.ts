import { fromPrisma, type PgBoss } from "pg-boss";
import type { DbTransaction } from "../db";
import type { QueueName } from "./queues";

export interface EnqueueOptions {
  startAfter?: Date;
  /** One queued job per key: a second enqueue for the same grant is a no-op. */
  singletonKey?: string;
}

/** Sends jobs inside the caller's transaction, so a rolled-back state change never leaves a job behind. */
export interface JobQueue {
  send(tx: DbTransaction, name: QueueName, data: Record<string, unknown>, options?: EnqueueOptions): Promise<void>;
}

export function createBossJobQueue(boss: PgBoss): JobQueue {
  return {
    async send(tx, name, data, options = {}) {
      await boss.send(name, data, {
        db: fromPrisma(tx),
        ...(options.startAfter ? { startAfter: options.startAfter } : {}),
        ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
        retryLimit: 10,
        retryDelay: 2,
        retryBackoff: true,
      });
    },
  };
}
