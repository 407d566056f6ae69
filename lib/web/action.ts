import "server-only";
import { randomUUID } from "node:crypto";
import { headers } from "next/headers";
import { getActor } from "../auth/actor";
import { clientFromHeaders } from "../auth/client-info";
import { getPrisma } from "../db";
import { AppError, isAppError, toUserError } from "../domain/errors";
import type { JobQueue } from "../jobs/job-queue";
import type { ServiceContext } from "../services/context";
import { withRefusalAudit, type AuditedVerb } from "../services/refusals/with-refusal-audit";
import { getWebJobQueue } from "./job-queue";
import { UNREADABLE_ACTION_MESSAGE } from "./request-guard";
import { errorFields, log } from "../log";
import { timeAction } from "./route-metrics";

export type ActionResult<T> =
  { ok: true; data: T } | { ok: false; code: string; message: string; fieldErrors?: Record<string, string[]> };

export interface ActionCall {
  /** The verb's name in the refusal audit. */
  verb: AuditedVerb;
  /** What the server action received; anything but FormData (a replayed JSON array, a string) is refused as unreadable. */
  form: unknown;
  /** The object aimed at, for the refusal audit. */
  target?: unknown;
}

/** Thin adapter for server actions: every call re-authenticates, runs one verb, audits a refusal, and never leaks an internal error. */
export function runAction<T>(
  call: ActionCall,
  verb: (args: { ctx: ServiceContext; queue: JobQueue }) => Promise<T>,
): Promise<ActionResult<T>> {
  return timeAction(call.verb, () => runVerb(call, verb));
}

async function runVerb<T>(
  call: ActionCall,
  verb: (args: { ctx: ServiceContext; queue: JobQueue }) => Promise<T>,
): Promise<ActionResult<T>> {
  const startedAt = performance.now();
  let actorId: string | undefined;
  try {
    const user = await getActor();
    actorId = user?.userId;
    const ctx: ServiceContext = {
      actor: user ?? { type: "anonymous", ...clientFromHeaders(await headers()) },
      db: getPrisma(),
      now: () => new Date(),
    };
    const data = await withRefusalAudit(call.verb, ctx, call.target, async () => {
      if (!user) throw new AppError("UNAUTHENTICATED", "Your session ended. Sign in again.");
      if (!(call.form instanceof FormData)) throw new AppError("VALIDATION", UNREADABLE_ACTION_MESSAGE);
      return verb({ ctx, queue: await getWebJobQueue() });
    });
    return { ok: true, data };
  } catch (error) {
    if (!isAppError(error))
      log.error(
        {
          requestId: randomUUID(),
          verb: call.verb,
          actorId,
          durationMs: Math.round(performance.now() - startedAt),
          err: errorFields(error),
        },
        "unexpected error in a server action",
      );
    const safe = toUserError(error);
    return {
      ok: false,
      code: safe.code,
      message: safe.message,
      ...(safe.fieldErrors ? { fieldErrors: safe.fieldErrors } : {}),
    };
  }
}
