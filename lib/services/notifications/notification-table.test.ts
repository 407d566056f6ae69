import { describe, expect, it } from "vitest";
import { AUDIT_ACTIONS } from "../../audit/actions";
import { NOTIFICATION_EVENTS, NOTIFICATIONS_BY_AUDIT_ACTION, WEBHOOK_EVENT_TYPES } from "../../domain/notifications";

describe("the audit-to-notification table", () => {
  it("names only audit actions the portal writes and events that exist", () => {
    for (const [action, events] of Object.entries(NOTIFICATIONS_BY_AUDIT_ACTION)) {
      expect(Object.keys(AUDIT_ACTIONS)).toContain(action);
      for (const event of events) expect(Object.keys(NOTIFICATION_EVENTS)).toContain(event);
    }
  });

  it("every public event is caused by some audited action or is scheduled", () => {
    const caused = new Set(Object.values(NOTIFICATIONS_BY_AUDIT_ACTION).flat());
    for (const type of WEBHOOK_EVENT_TYPES)
      expect(caused.has(type) || type === "approval.reminder", `${type} is never sent`).toBe(true);
  });
});
