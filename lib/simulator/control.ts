// The /__sim/* control endpoints tests and the local stack use to inspect and steer the simulator.
import { z } from "zod";
import { describeZodIssues, SimulatorConfigError } from "./config";
import type { SimulatorRuntime } from "./runtime";

export interface ControlResponse {
  status: number;
  body: unknown;
}

export const SeedAssignmentSchema = z.strictObject({
  accountId: z.string().regex(/^\d{12}$/, "must be a 12-digit account id"),
  permissionSetArn: z.string().min(1),
  principalType: z.enum(["USER", "GROUP"]),
  principalId: z.string().min(1),
});
export type SeedAssignmentInput = z.infer<typeof SeedAssignmentSchema>;

function parseJson(raw: string): unknown {
  return raw.trim() === "" ? {} : JSON.parse(raw);
}

export function handleControl(
  runtime: SimulatorRuntime,
  method: string,
  pathname: string,
  rawBody: string,
): ControlResponse {
  const route = `${method} ${pathname.replace(/\/+$/, "")}`;
  let body: unknown;
  try {
    body = parseJson(rawBody);
  } catch {
    return { status: 400, body: { error: "request body is not valid JSON" } };
  }
  switch (route) {
    // GET /__sim/health - liveness for scripts
    case "GET /__sim/health":
      return { status: 200, body: { ok: true } };
    // GET /__sim/state - assignments, in-flight operations, counters
    case "GET /__sim/state":
      return { status: 200, body: runtime.getState() };
    // GET /__sim/log - every call since start and every retained assignment operation, for chaos and load harnesses
    case "GET /__sim/log":
      return { status: 200, body: runtime.getLog() };
    // POST /__sim/config - partial config, validated
    case "POST /__sim/config":
      try {
        return { status: 200, body: { config: runtime.setConfig(body) } };
      } catch (error) {
        if (error instanceof SimulatorConfigError)
          return { status: 400, body: { error: "invalid config", issues: error.issues } };
        throw error;
      }
    // POST /__sim/reset - seed state, zero counters, start-up config
    case "POST /__sim/reset":
      runtime.reset();
      return { status: 200, body: { ok: true } };
    // POST /__sim/assignments - add an assignment out of band; DELETE removes one
    case "POST /__sim/assignments":
    case "DELETE /__sim/assignments": {
      const parsed = SeedAssignmentSchema.safeParse(body);
      if (!parsed.success)
        return { status: 400, body: { error: "invalid assignment", issues: describeZodIssues(parsed.error) } };
      if (method === "DELETE") return { status: 200, body: { removed: runtime.removeAssignment(parsed.data) } };
      try {
        const created = runtime.seedAssignment(parsed.data);
        return { status: created ? 201 : 200, body: { created } };
      } catch (error) {
        return { status: 400, body: { error: (error as Error).message } };
      }
    }
    default:
      return { status: 404, body: { error: `no control endpoint ${route}` } };
  }
}
