import { isAppError } from "../../domain/errors";
import { isAuditedRefusal } from "../../domain/refusal-window";
import type { ServiceContext } from "../context";
import { recordRefusal } from "./record-refusal";
import { errorFields, log } from "../../log";

// Every adapter (server actions, route handlers, later API, CLI, Slack) names the verb it runs, so every refusal is recorded the same way.
export const AUDITED_VERBS = [
  "request.create",
  "request.cancel",
  "request.extend",
  "request.release",
  "request.revoke",
  "request.decide",
  "extension.decide",
  "drift.accept",
  "drift.remove",
  "alert.acknowledge",
  "notification.retry",
  "inventory.refresh",
  "scorecard.measure",
  "scorecard.remove-standing",
  "scorecard.export",
  "history.export",
  "history.read",
  "policy.history",
  "request.read",
  "approvals.read",
  "targets.read",
  "device.authorize",
  "device.revoke",
  "breakglass.use",
  "breakglass.review",
  "breakglass.read",
  "api",
  "server-action",
] as const;
export type AuditedVerb = (typeof AUDITED_VERBS)[number];

/** Runs one verb; a refusal (not a validation error) is audited before it is rethrown, unless the verb audited it itself. */
export async function withRefusalAudit<T>(
  verb: AuditedVerb,
  ctx: ServiceContext,
  target: unknown,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isAppError(error) && !error.audited && isAuditedRefusal(error.code)) {
      // The caller's answer stays the refusal even if the trail is unreachable; the failure is logged for operators.
      await recordRefusal(ctx, { verb, target, code: error.code, reason: error.message }).catch((failure: unknown) =>
        log.error({ verb, err: errorFields(failure) }, "could not audit a refused verb"),
      );
    }
    throw error;
  }
}
