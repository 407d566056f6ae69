import { describe, expect, it } from "vitest";
import { RequestView } from "./api";
import { waitStep } from "./wait";

const NOW = new Date("2026-12-05T10:00:00Z");

type Status = RequestView["status"];
type GrantStatus = RequestView["targets"][number]["grantStatus"];

const request = (status: Status, grants: GrantStatus[], extra: Partial<RequestView> = {}): RequestView =>
  RequestView.parse({
    id: "req1",
    status,
    version: 1,
    requester: { email: "alice@example.com", name: "Alice" },
    createdAt: "2026-12-05T09:59:00.000Z",
    startsAt: "2026-12-05T10:00:00.000Z",
    endsAt: "2026-12-05T11:00:00.000Z",
    durationMinutes: 60,
    justification: "debugging",
    ticket: null,
    closeReason: null,
    targets: grants.map((grantStatus, index) => ({
      accountId: `00000000000${index}`,
      accountName: `account-${index}`,
      permissionSetName: "ReadOnly",
      permissionSetArn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1",
      grantStatus,
    })),
    approvals: 0,
    requiredApprovals: 1,
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
      request("PENDING", [null], { approvals: 1, requiredApprovals: 2 }),
      "Waiting for approval (1 of 2 approvals)…",
    ],
    ["pending, auto-approval", request("PENDING", [null], { requiredApprovals: 0 }), "Waiting for approval…"],
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
  ] as const)("ends on %s with exit code %i", (status, exitCode, message) => {
    const step = waitStep(request(status, [null]), NOW);
    expect(step.kind).toBe("ended");
    expect(step.kind === "ended" && step.exitCode).toBe(exitCode);
    expect(step.kind === "ended" && step.message).toContain(message);
  });

  it("says why the portal closed the request", () => {
    const step = waitStep(request("DENIED", [null], { closeReason: "Denied by bob@example.com: not now" }), NOW);
    expect(step.kind === "ended" && step.message).toBe(
      "The request was denied: Denied by bob@example.com: not now. See http://portal.test/requests/req1",
    );
  });

  it("ends when a grant failed even if the request has not caught up yet", () => {
    expect(waitStep(request("ACTIVE", ["ACTIVE", "FAILED"]), NOW).kind).toBe("ended");
  });
});

describe("waitStep for a group membership", () => {
  const groupRequest = (status: Status, grantStatus: GrantStatus) =>
    request(status, [], {
      groups: [{ name: "prod-db-admins", label: 'membership of Identity Center group "prod-db-admins"', grantStatus }],
    });

  it("waits while the membership is being added and is done once its grant is active", () => {
    expect(waitStep(groupRequest("APPROVED", "PROVISIONING"), NOW)).toEqual({
      kind: "waiting",
      progress: "Adding you to the Identity Center group and verifying it…",
    });
    expect(waitStep(groupRequest("ACTIVE", "ACTIVE"), NOW)).toEqual({ kind: "active" });
    expect(waitStep(groupRequest("APPROVED", "FAILED"), NOW)).toMatchObject({ kind: "ended" });
  });
});
