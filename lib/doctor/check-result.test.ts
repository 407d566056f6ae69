import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AUDIT_ACTIONS, MANAGEMENT_ACCOUNT_STATEMENT_SID, READ_PROBES, WRITE_ACTIONS } from "./aws-probes";
import { exitCodeFor, fail, formatResult, pass, scrubSecrets, skip, warn } from "./check-result";

describe("doctor output", () => {
  it("prints status, check, detail and the fix on one line", () => {
    expect(formatResult(fail("database reachable", "connection refused", "start PostgreSQL"))).toBe(
      "FAIL  database reachable: connection refused -> fix: start PostgreSQL",
    );
    expect(formatResult(pass("AWS identity", "arn"))).toBe("PASS  AWS identity: arn");
  });

  it.each([
    { statuses: [pass("a", "x"), warn("b", "y"), skip("c", "z")], exitCode: 0 },
    { statuses: [pass("a", "x"), fail("b", "y", "z")], exitCode: 1 },
    { statuses: [], exitCode: 0 },
  ])("exit code $exitCode when any check failed", ({ statuses, exitCode }) => {
    expect(exitCodeFor(statuses)).toBe(exitCode);
  });

  it.each([
    { text: "token abc-secret-123 leaked", secrets: ["abc-secret-123"], expected: "token [redacted] leaked" },
    { text: "x longsecret-1 y longsecret-1", secrets: ["longsecret-1"], expected: "x [redacted] y [redacted]" },
    // The longer secret goes first, so a secret containing another leaves no tail behind.
    { text: "v=secret-abc-tail", secrets: ["secret-abc", "secret-abc-tail"], expected: "v=[redacted]" },
    { text: "nothing to see", secrets: [undefined, ""], expected: "nothing to see" },
    // Too short to scrub without mangling ordinary words.
    { text: "postgres at host", secrets: ["post"], expected: "postgres at host" },
  ])("scrubs secrets: $expected", ({ text, secrets, expected }) => {
    expect(scrubSecrets(text, secrets)).toBe(expected);
  });
});

describe("AWS permission probes", () => {
  const policy = JSON.parse(
    fs.readFileSync(path.resolve(import.meta.dirname, "../../docs/iam-policy.json"), "utf8"),
  ) as {
    Statement: { Sid: string; Action: string[] }[];
  };

  it("probe every read action in docs/iam-policy.json and name every write action as not verified", () => {
    const probed = READ_PROBES.map((probe) => probe.action);
    const managementOnly = policy.Statement.find((s) => s.Sid === MANAGEMENT_ACCOUNT_STATEMENT_SID)?.Action ?? [];
    const required = policy.Statement.filter((s) => s.Sid !== MANAGEMENT_ACCOUNT_STATEMENT_SID).flatMap(
      (s) => s.Action,
    );
    expect(managementOnly.length).toBeGreaterThan(0);
    expect([...probed, ...WRITE_ACTIONS, ...AUDIT_ACTIONS].sort()).toEqual([...required].sort());
    expect(new Set(probed).size).toBe(probed.length);
  });
});
