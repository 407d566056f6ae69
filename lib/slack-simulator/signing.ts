// Slack's v0 request signature: HMAC-SHA256 over "v0:<timestamp>:<raw body>" with the app's signing secret.
import { createHmac } from "node:crypto";

export function slackSignature(signingSecret: string, timestampSeconds: number, rawBody: string): string {
  return `v0=${createHmac("sha256", signingSecret).update(`v0:${timestampSeconds}:${rawBody}`).digest("hex")}`;
}
