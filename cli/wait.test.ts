import { describe, expect, it } from "vitest";
import type { RequestView } from "./api";
import { waitStep } from "./wait";

const NOW = new Date("2026-12-05T10:00:00Z");

const request = (status: string, grants: (string | null)[], extra: Partial<RequestView> = {}): RequestView => ({
  id: "req1",
  status,
  targets: grants.map((grantStatus, index) => ({
    accountId: `00000000000${index}`,
    accountName: `account-${index}`,
    permissionSetName: "ReadOnly",
    grantStatus,
  })),
  url: "http://portal.test/requests/req1",
  ...extra,
});

describe("waitStep", () => {
  it.each([
    ["every grant active", request("ACTIVE", ["ACTIVE", "ACTIVE"])],
    ["a single active grant", request("ACTIVE", ["ACTIVE"])],
  ])("is done with %s", (_why, view) => {
    expect(waitStep(view, NOW)).toEqual({ kind: "active" });
  });

  it.each([
    [
      "pending with a count",
      request("PENDING", [null], { approvals: [], requiredApprovals: 2 }),
      "Waiting for approval (0 of 2 approvals)…",
    ],
    ["pending without a count", request("PENDING", [null]), "Waiting for approval…"],
    [
      "approved, scheduled for later",
      request("APPROVED", ["SCHEDULED"], { startsAt: "2026-12-05T14:00:00Z" }),
      "Approved; access starts at 2026-12-05 14:00 UTC…",
    ],
    ["approved, not started", request("APPROVED", ["SCHEDULED"]), "Approved; the assignment is being created…"],
    [
      "approved, its start just passed",
      request("APPROVED", ["SCHEDULED"], { startsAt: "2026-12-05T10:00:00Z" }),
      "Approved; the assignment is being created…",
    ],
    [
      "provisioning",
      request("APPROVED", ["PROVISIONING"]),
      "Creating the assignment in IAM Identity Center and verifying it…",
    ],
    [
      "one of two grants verified",
      request("ACTIVE", ["ACTIVE", "PROVISIONING"]),
      "Creating the assignment in IAM Identity Center and verifying it…",
    ],
    ["active request with no grants listed", request("ACTIVE", []), "Approved; the assignment is being created…"],
  ])("keeps waiting while %s", (_why, view, progress) => {
    expect(waitStep(view, NOW)).toEqual({ kind: "waiting", progress });
  });

  it.each([
    ["DENIED", 4, "The request was denied. See http://portal.test/requests/req1"],
    ["REVOKED", 4, "The access was revoked."],
    ["EXPIRED", 5, "The request expired before it was decided."],
    ["CANCELLED", 1, "The request was cancelled."],
    ["FAILED", 1, "could not be granted"],
    ["COMPLETED", 1, "already ended"],
  ])("ends on %s with exit code %i", (status, exitCode, message) => {
    const step = waitStep(request(status, [null]), NOW);
    expect(step.kind).toBe("ended");
    expect(step.kind === "ended" && step.exitCode).toBe(exitCode);
    expect(step.kind === "ended" && step.message).toContain(message);
  });

  it("ends when a grant failed even if the request has not caught up yet", () => {
    expect(waitStep(request("ACTIVE", ["ACTIVE", "FAILED"]), NOW).kind).toBe("ended");
  });
});
