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

export const SeedGroupMembershipSchema = z.strictObject({
  groupId: z.string().min(1),
  userId: z.string().min(1),
});

export const DeleteGroupSchema = z.strictObject({ groupId: z.string().min(1) });

export const PortalTokenRequestSchema = z.strictObject({
  /** Identity Store user id the token signs in as. */
  userId: z.string().min(1),
  expiresInSeconds: z
    .number()
    .int()
    .min(1)
    .max(90 * 24 * 3600)
    .optional(),
});

export const InlinePolicyOverrideSchema = z.strictObject({
  permissionSetArn: z.string().min(1),
  /** null removes the policy; the text is stored without validation. */
  inlinePolicy: z.string().nullable(),
});

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
    // POST /__sim/group-memberships - add a member out of band (console, SCIM); DELETE removes one
    case "POST /__sim/group-memberships":
    case "DELETE /__sim/group-memberships": {
      const parsed = SeedGroupMembershipSchema.safeParse(body);
      if (!parsed.success)
        return { status: 400, body: { error: "invalid group membership", issues: describeZodIssues(parsed.error) } };
      try {
        if (method === "DELETE")
          return {
            status: 200,
            body: { removed: runtime.removeGroupMembership(parsed.data.groupId, parsed.data.userId) },
          };
        const created = runtime.seedGroupMembership(parsed.data.groupId, parsed.data.userId);
        return { status: created ? 201 : 200, body: { created } };
      } catch (error) {
        return { status: 400, body: { error: (error as Error).message } };
      }
    }
    // POST /__sim/groups/delete - delete a group (and with it its memberships) as an IdP sync or an admin would
    case "POST /__sim/groups/delete": {
      const parsed = DeleteGroupSchema.safeParse(body);
      if (!parsed.success)
        return { status: 400, body: { error: "invalid group", issues: describeZodIssues(parsed.error) } };
      return { status: 200, body: { deleted: runtime.deleteGroup(parsed.data.groupId) } };
    }
    // POST /__sim/portal-tokens - an access-portal token for a user (dev stand-in for the OIDC device flow)
    case "POST /__sim/portal-tokens": {
      const parsed = PortalTokenRequestSchema.safeParse(body);
      if (!parsed.success)
        return { status: 400, body: { error: "invalid token request", issues: describeZodIssues(parsed.error) } };
      try {
        const token = runtime.issuePortalToken(parsed.data.userId, parsed.data.expiresInSeconds);
        return { status: 201, body: { accessToken: token.accessToken, expiresAtMs: token.expiresAtMs } };
      } catch (error) {
        return { status: 400, body: { error: (error as Error).message } };
      }
    }
    // POST /__sim/inline-policy - overwrite a permission set's inline policy out of band (console edit, Terraform apply)
    case "POST /__sim/inline-policy": {
      const parsed = InlinePolicyOverrideSchema.safeParse(body);
      if (!parsed.success)
        return {
          status: 400,
          body: { error: "invalid inline policy override", issues: describeZodIssues(parsed.error) },
        };
      const updated = runtime.setInlinePolicyOutOfBand(parsed.data.permissionSetArn, parsed.data.inlinePolicy);
      return updated
        ? { status: 200, body: { ok: true } }
        : { status: 404, body: { error: `unknown permission set ${parsed.data.permissionSetArn}` } };
    }
    default:
      return { status: 404, body: { error: `no control endpoint ${route}` } };
  }
}
