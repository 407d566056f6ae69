// The receiver's endpoints in `npm run dev` and the matching WEBHOOK_ENDPOINTS value for the portal.
import type { ReceiverEndpoint } from "./deliveries";

// Fixed, public development secrets: they only ever sign traffic to a loopback receiver.
export const DEV_WEBHOOK_ENDPOINTS: readonly ReceiverEndpoint[] = [
  { name: "portal-events", secret: "whsec_jE7y6moQZL4AVaRO3sLiDL+A4WQ/xfKHjZXeM4MH72U=", mode: "ok" },
  {
    name: "flaky-events",
    secret: "whsec_kLaxZVm2Z5S0lM/2m1oxWS5bykopUQrSdiLQV+tEDkA=",
    mode: "flaky",
    flakyFailures: 2,
  },
];

/** The WEBHOOK_ENDPOINTS JSON that points the portal at a receiver on `receiverUrl`, all events to each endpoint. */
export function devWebhookEndpointsSetting(receiverUrl: string): string {
  return JSON.stringify(
    DEV_WEBHOOK_ENDPOINTS.map(({ name, secret }) => ({
      name,
      url: `${receiverUrl}/hooks/${name}`,
      secret,
      events: ["*"],
    })),
  );
}
