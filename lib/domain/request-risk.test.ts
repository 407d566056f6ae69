import { describe, expect, it } from "vitest";
import { requestRisks, type RiskSubject } from "./request-risk";

// Tuesday 3 June 2025, 10:00 UTC: inside working hours.
const WORKDAY = new Date(Date.UTC(2025, 5, 3, 10));
const calm: RiskSubject = {
  targets: [{ accountName: "sandbox-alice", permissionSetName: "ReadOnly", ouPath: "Root/Sandbox" }],
  durationMinutes: 60,
  startsAt: WORKDAY,
  ticket: "PAY-1",
};

describe("requestRisks", () => {
  it.each([
    ["a calm request", calm, []],
    [
      "an account in a Production OU, whatever its name",
      { ...calm, targets: [{ accountName: "ledger", permissionSetName: "ReadOnly", ouPath: "Root/Prod/Payments" }] },
      ["production"],
    ],
    [
      "a production account name without an OU path",
      { ...calm, targets: [{ accountName: "payments-prod", permissionSetName: "ReadOnly" }] },
      ["production"],
    ],
    [
      "a word that merely contains prod",
      { ...calm, targets: [{ accountName: "reproduce", permissionSetName: "ReadOnly" }] },
      [],
    ],
    [
      "AdministratorAccess",
      { ...calm, targets: [{ accountName: "sandbox-alice", permissionSetName: "AdministratorAccess" }] },
      ["administrator"],
    ],
    ["a long window", { ...calm, durationMinutes: 241 }, ["long-window"]],
    ["a Saturday start", { ...calm, startsAt: new Date(Date.UTC(2025, 5, 7, 10)) }, ["off-hours"]],
    ["a night start", { ...calm, startsAt: new Date(Date.UTC(2025, 5, 3, 22)) }, ["off-hours"]],
    ["no ticket", { ...calm, ticket: null }, ["no-ticket"]],
  ])("%s", (_label, subject, flags) => {
    expect(requestRisks(subject)).toEqual(flags);
  });
});
