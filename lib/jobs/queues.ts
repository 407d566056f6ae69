import { z } from "zod";

// Queue names and their payloads; handlers parse payloads with these schemas (jobs are untrusted input).
export const QUEUES = {
  heartbeat: "heartbeat",
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const HeartbeatPayload = z.object({}).strict();
export type HeartbeatPayload = z.infer<typeof HeartbeatPayload>;
