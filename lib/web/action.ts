import "server-only";
import { getActor } from "../auth/actor";
import { getPrisma } from "../db";
import { AppError, isAppError, toUserError } from "../domain/errors";
import type { JobQueue } from "../jobs/job-queue";
import type { ServiceContext } from "../services/context";
import { getWebJobQueue } from "./job-queue";

export type ActionResult<T> = { ok: true; data: T } | { ok: false; code: string; message: string; fieldErrors?: Record<string, string[]> };

/** Thin adapter for server actions: every call re-authenticates, runs one verb, and never leaks an internal error. */
export async function runAction<T>(verb: (args: { ctx: ServiceContext; queue: JobQueue }) => Promise<T>): Promise<ActionResult<T>> {
  try {
    const actor = await getActor();
    if (!actor) throw new AppError("UNAUTHENTICATED", "Your session ended. Sign in again.");
    const data = await verb({ ctx: { actor, db: getPrisma(), now: () => new Date() }, queue: await getWebJobQueue() });
    return { ok: true, data };
  } catch (error) {
    if (!isAppError(error)) console.error("[action] unexpected error", error);
    const safe = toUserError(error);
    return { ok: false, code: safe.code, message: safe.message, ...(safe.fieldErrors ? { fieldErrors: safe.fieldErrors } : {}) };
  }
}
