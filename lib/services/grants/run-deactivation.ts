import { deactivationStep } from "../../domain/grant-decisions";
import type { GrantStatus } from "../../domain/request-lifecycle";
import type { DbTransaction } from "../../db";
import type { Actor, ServiceContext } from "../context";
import { RetryLater, withGrantClaim, type GrantClaim, type GrantDeps } from "./grant-support";
import type { GrantEndOutcome } from "./grant-transitions";

/** What the removal job needs to know about one kind of grant (an assignment, a group membership). */
export interface DeactivationKind<G extends { status: GrantStatus; endsAt: Date }, R extends string> {
  /** What the grant holds, in messages: "assignment", "group membership". */
  holds: string;
  load(ctx: ServiceContext, grantId: string): Promise<G | null>;
  /** SCHEDULED past its end: cancelled without touching AWS. */
  cancel(tx: DbTransaction, actor: Actor, grant: G, now: Date): Promise<unknown>;
  /** Keep (another holder) or start removing, under the kind's lock; `retry` after a failed removal. */
  end(tx: DbTransaction, actor: Actor, grant: G, now: Date, retry: boolean): Promise<GrantEndOutcome>;
  /** REMOVING → REMOVED or REMOVAL_FAILED, verified. */
  remove(ctx: ServiceContext, deps: GrantDeps, grantId: string, claim: GrantClaim): Promise<R>;
}

/**
 * The removal job of either kind of grant, as the only holder of its claim: cancel, wait for an activation, keep or
 * remove (deactivationStep), then the kind's verified removal.
 */
export function runDeactivation<G extends { status: GrantStatus; endsAt: Date }, R extends string>(
  ctx: ServiceContext,
  grantId: string,
  deps: GrantDeps,
  kind: DeactivationKind<G, R>,
): Promise<R | "kept" | "skipped" | "not-due"> {
  // Busy: another worker drives this grant now (often its activation, about to hand over); look again shortly.
  return withGrantClaim(
    deps,
    grantId,
    () => {
      throw new RetryLater(`another worker is handling this ${kind.holds}`);
    },
    async (claim) => {
      const grant = await kind.load(ctx, grantId);
      if (!grant) return "skipped";
      const now = ctx.now();
      switch (deactivationStep(grant, now)) {
        case "not-due":
          return "not-due";
        case "skip":
          return "skipped";
        case "wait-for-activation":
          throw new RetryLater(`the ${kind.holds} is still being created`);
        case "cancel":
          await ctx.db.$transaction((tx) => kind.cancel(tx, ctx.actor, grant, now));
          return "skipped";
        case "keep-or-remove": {
          const retry = grant.status === "REMOVAL_FAILED";
          const decision = await ctx.db.$transaction((tx) => kind.end(tx, ctx.actor, grant, now, retry));
          if (decision === "wait")
            throw new RetryLater(`another grant of the same ${kind.holds} is still being created`);
          if (decision === "kept") return "kept";
          if (decision === "lost") return "skipped";
          return kind.remove(ctx, deps, grantId, claim);
        }
        case "remove":
          return kind.remove(ctx, deps, grantId, claim);
      }
    },
  );
}
