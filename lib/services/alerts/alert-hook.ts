// Where raised alerts go after their transaction commits; the notifications work registers Slack and email here.
import { log } from "../../log";

export interface RaisedAlert {
  id: string;
  kind: string;
  severity: string;
  dedupeKey: string;
  subject: string;
  grantId: string | null;
  raisedAt: Date;
}

export type AlertHandler = (alert: RaisedAlert) => void | Promise<void>;

/** One structured line per alert: ids, kind and subject only, never AWS error text or tokens. */
export function logAlert(alert: RaisedAlert) {
  log.error(
    {
      kind: alert.kind,
      severity: alert.severity,
      alertId: alert.id,
      grantId: alert.grantId,
      key: alert.dedupeKey,
      subject: alert.subject,
    },
    "ALERT",
  );
}

// Kept on globalThis so a second copy of this module (Next bundles, test workers) shares one registry.
const holder = globalThis as unknown as { portalAlertHandlers?: Set<AlertHandler> };
const handlers = (holder.portalAlertHandlers ??= new Set<AlertHandler>([logAlert]));

/** Subscribes to raised alerts; returns the unsubscribe function. */
export function onAlert(handler: AlertHandler): () => void {
  handlers.add(handler);
  return () => {
    handlers.delete(handler);
  };
}

/** Called after commit; a failing handler is logged and never stops the others or the caller. */
export async function notifyAlertRaised(alert: RaisedAlert) {
  for (const handler of [...handlers]) {
    try {
      await handler(alert);
    } catch (error) {
      log.error(
        { alertId: alert.id, errorType: error instanceof Error ? error.name : "error" },
        "alert handler failed",
      );
    }
  }
}
