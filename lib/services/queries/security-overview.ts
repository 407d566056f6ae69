import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { countActiveElevations, listActiveElevations, type ActiveElevation } from "./active-elevations";
import { driftOverview, type AlertRow } from "./drift-overview";
import { listRefusals, type RefusalRow } from "./refusal-list";

export interface SecurityOverview {
  alerts: AlertRow[];
  openAlerts: number;
  openDriftFindings: number;
  elevations: ActiveElevation[];
  activeElevations: number;
  refusals: RefusalRow[];
}

const SHOWN = 5;

/** The auditor's home: what needs a look now, each list short with a link to its full page. */
export async function securityOverview({ ctx }: { ctx: ServiceContext }): Promise<SecurityOverview> {
  requireUser(ctx.actor, "grants.read-active");
  const [drift, elevations, activeElevations, refusals] = await Promise.all([
    driftOverview({ ctx }),
    listActiveElevations({ ctx, limit: SHOWN }),
    countActiveElevations({ ctx }),
    listRefusals({ ctx, input: {} }),
  ]);
  return {
    alerts: drift.alerts.slice(0, SHOWN),
    openAlerts: drift.alerts.length,
    openDriftFindings: drift.openFindings.length,
    elevations,
    activeElevations,
    refusals: refusals.rows.slice(0, SHOWN),
  };
}
