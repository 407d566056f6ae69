import { describe, expect, it } from "vitest";
import { runDoctor } from "./run-doctor";

// The doctor against the running local stack, with injected faults, is scripts/doctor.test.ts.

describe("runDoctor with an invalid environment", () => {
  const source = {
    APP_URL: "not a url",
    AWS_REGION: "Mars",
    AUTH_SECRET: "short-Auth-Secret-7f3a",
    LOG_LEVEL: "loud",
    DATABASE_URL: "mysql://portal:Db-Secret-Password-91c2@db:3306/portal",
  };

  it("reports every invalid variable on its own line, not just the first, and exits non-zero", async () => {
    const report = await runDoctor(source);
    expect(report.exitCode).toBe(1);
    const failed = report.lines.filter((line) => line.startsWith("FAIL"));
    expect(failed).toHaveLength(5);
    for (const variable of ["APP_URL", "AWS_REGION", "AUTH_SECRET", "LOG_LEVEL", "DATABASE_URL"])
      expect(failed).toContainEqual(expect.stringMatching(new RegExp(`^FAIL {2}environment ${variable}: .+ -> fix: `)));
  });

  it("checks nothing that depends on the environment, and says so", async () => {
    const report = await runDoctor(source);
    for (const dependency of ["database", "OIDC", "AWS"])
      expect(report.lines).toContainEqual(`SKIP  ${dependency}: skipped: fix the environment values above first`);
    expect(report.lines.at(-1)).toBe("5 check(s) failed; fix them and run the doctor again.");
  });

  it("never prints the invalid secret values it was given", async () => {
    const printed = (await runDoctor(source)).lines.join("\n");
    expect(printed).not.toContain("short-Auth-Secret-7f3a");
    expect(printed).not.toContain("Db-Secret-Password-91c2");
  });

  it("a production setup without AUTH_SECRET fails even against the simulator", async () => {
    const report = await runDoctor({ NODE_ENV: "production", AWS_SIMULATOR_URL: "http://127.0.0.1:9" });
    expect(report.lines).toContainEqual(
      expect.stringMatching(
        /^FAIL {2}environment AUTH_SECRET: not set: sessions would be signed with the public local demo secret/,
      ),
    );
  });
});
