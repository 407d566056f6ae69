import type { RequestView } from "./api";
import { EXIT, type ExitCode } from "./errors";
import { formatTime } from "./format";

export type WaitStep =
  { kind: "active" } | { kind: "waiting"; progress: string } | { kind: "ended"; exitCode: ExitCode; message: string };

/** Where a request stands for `jit request --wait`: done only once every grant is ACTIVE (the assignment verified). */
export function waitStep(request: RequestView, now: Date): WaitStep {
  const grants = [...request.targets, ...request.groups].map((target) => target.grantStatus ?? null);
  const creating =
    request.groups.length > 0
      ? "Adding you to the Identity Center group and verifying it…"
      : "Creating the assignment in IAM Identity Center and verifying it…";
  const see = `${request.closeReason ? `: ${request.closeReason.replace(/\.$/, "")}` : ""}. See ${request.url}`;
  switch (request.status) {
    case "DENIED":
      return { kind: "ended", exitCode: EXIT.refused, message: `The request was denied${see}` };
    case "REVOKED":
      return { kind: "ended", exitCode: EXIT.refused, message: `The access was revoked${see}` };
    case "EXPIRED":
      return { kind: "ended", exitCode: EXIT.expired, message: `The request expired before it was decided${see}` };
    case "CANCELLED":
      return { kind: "ended", exitCode: EXIT.other, message: `The request was cancelled${see}` };
    case "FAILED":
      return { kind: "ended", exitCode: EXIT.other, message: `The access could not be granted in AWS${see}` };
    case "COMPLETED":
      return { kind: "ended", exitCode: EXIT.other, message: `The access has already ended${see}` };
    case "PENDING": {
      const count =
        request.requiredApprovals > 0 ? ` (${request.approvals} of ${request.requiredApprovals} approvals)` : "";
      return { kind: "waiting", progress: `Waiting for approval${count}…` };
    }
  }
  if (grants.length > 0 && grants.every((status) => status === "ACTIVE")) return { kind: "active" };
  if (grants.some((status) => status === "FAILED" || status === "CANCELLED"))
    return { kind: "ended", exitCode: EXIT.other, message: `The access could not be granted in AWS${see}` };
  if (grants.some((status) => status === "PROVISIONING") || grants.some((status) => status === "ACTIVE"))
    return { kind: "waiting", progress: creating };
  const later = request.startsAt ? new Date(request.startsAt).getTime() > now.getTime() : false;
  if (later && grants.every((status) => status === "SCHEDULED" || status === null))
    return { kind: "waiting", progress: `Approved; access starts at ${formatTime(request.startsAt)}…` };
  return {
    kind: "waiting",
    progress:
      request.groups.length > 0
        ? "Approved; the group membership is being added…"
        : "Approved; the assignment is being created…",
  };
}
