import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env";

describe("parseEnv", () => {
  it("gives the local demo defaults when nothing is set", () => {
    const env = parseEnv({});
    expect(env.APP_URL).toBe("http://localhost:3000");
    expect(env.IDP_ROLE_MAP.engineering).toEqual(["REQUESTER"]);
    expect(env.usingSimulator).toBe(false);
    expect(env.AUTH_SECRET.length).toBeGreaterThanOrEqual(32);
  });

  it("reconciles every 5 minutes, reports drift, marks missing assignments and alerts after 5 minutes by default", () => {
    const env = parseEnv({});
    expect([
      env.RECONCILE_EVERY_SECONDS,
      env.RECONCILE_MISSING,
      env.RECONCILE_OUT_OF_BAND,
      env.REMOVAL_ALERT_AFTER_SECONDS,
      env.METRICS_TOKEN,
    ]).toEqual([300, "mark", "report", 300, undefined]);
  });

  it("accepts 0 to turn the reconciler off, and the other policies", () => {
    const env = parseEnv({
      RECONCILE_EVERY_SECONDS: "0",
      RECONCILE_MISSING: "recreate",
      RECONCILE_OUT_OF_BAND: "remove",
      REMOVAL_ALERT_AFTER_SECONDS: "60",
    });
    expect([
      env.RECONCILE_EVERY_SECONDS,
      env.RECONCILE_MISSING,
      env.RECONCILE_OUT_OF_BAND,
      env.REMOVAL_ALERT_AFTER_SECONDS,
    ]).toEqual([0, "recreate", "remove", 60]);
  });

  it("gives API tokens the web session's 8 h unless told less", () => {
    expect(parseEnv({}).API_TOKEN_TTL_MINUTES).toBe(480);
    expect(parseEnv({ API_TOKEN_TTL_MINUTES: "60" }).API_TOKEN_TTL_MINUTES).toBe(60);
  });

  it("opens the worker's metrics port only when asked, and only with a token", () => {
    expect(parseEnv({}).WORKER_METRICS_PORT).toBeUndefined();
    expect(parseEnv({ WORKER_METRICS_PORT: "9464", METRICS_TOKEN: "x".repeat(24) }).WORKER_METRICS_PORT).toBe(9464);
  });

  it("never puts the metrics token in the error message", () => {
    expect(() => parseEnv({ METRICS_TOKEN: "tok3n-too-short" })).toThrow(/^(?![\s\S]*tok3n)/);
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ APP_URL: "", AWS_REGION: "" }).AWS_REGION).toBe("us-east-1");
  });

  it.each([
    ["DATABASE_URL", "mysql://x", /DATABASE_URL: expected a postgresql/],
    ["APP_URL", "ftp://x", /APP_URL/],
    ["AWS_REGION", "moon-1", /AWS_REGION: expected an AWS region/],
    ["IDENTITY_CENTER_INSTANCE_ARN", "arn:aws:sso:::instance/nope", /IDENTITY_CENTER_INSTANCE_ARN/],
    ["AWS_MAX_INFLIGHT_CREATES", "lots", /AWS_MAX_INFLIGHT_CREATES: expected a whole number/],
    ["AWS_MAX_INFLIGHT_CREATES", "-3", /AWS_MAX_INFLIGHT_CREATES: expected a number above 0/],
    ["IDP_ROLE_MAP", "engineering=ROOT", /IDP_ROLE_MAP: expected group=ROLE pairs/],
    ["AUTH_SECRET", "short", /AUTH_SECRET: expected at least 32 characters/],
    ["RECONCILE_EVERY_SECONDS", "-1", /RECONCILE_EVERY_SECONDS: expected 0 \(off\) or more seconds/],
    ["RECONCILE_EVERY_SECONDS", "often", /RECONCILE_EVERY_SECONDS: expected a whole number of seconds/],
    ["RECONCILE_MISSING", "ignore", /RECONCILE_MISSING: expected "recreate" or "mark"/],
    ["RECONCILE_OUT_OF_BAND", "REMOVE", /RECONCILE_OUT_OF_BAND: expected "report" or "remove"/],
    ["REMOVAL_ALERT_AFTER_SECONDS", "0", /REMOVAL_ALERT_AFTER_SECONDS: expected a number above 0/],
    ["METRICS_TOKEN", "short", /METRICS_TOKEN: expected at least 24 characters/],
    ["WORKER_METRICS_PORT", "80", /WORKER_METRICS_PORT: expected a port from 1024 to 65535/],
    [
      "API_TOKEN_TTL_MINUTES",
      "481",
      /API_TOKEN_TTL_MINUTES: expected at most 480 minutes \(the web session lifetime\)/,
    ],
    ["API_TOKEN_TTL_MINUTES", "1", /API_TOKEN_TTL_MINUTES: expected at least 5 minutes/],
    ["WORKER_METRICS_PORT", "9464", /WORKER_METRICS_PORT: needs METRICS_TOKEN/],
  ])("rejects a bad %s and names it", (name, value, message) => {
    expect(() => parseEnv({ [name]: value })).toThrow(message);
    expect(() => parseEnv({ [name]: value })).toThrow(EnvError);
  });

  it("requires a secret and an Identity Center instance against real AWS in production", () => {
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(
      /AUTH_SECRET: required[\s\S]*IDENTITY_CENTER_INSTANCE_ARN: required/,
    );
  });

  it("accepts production against the simulator without real AWS settings", () => {
    expect(
      parseEnv({ NODE_ENV: "production", AWS_SIMULATOR_URL: "http://127.0.0.1:4566", AUTH_SECRET: "x".repeat(40) })
        .usingSimulator,
    ).toBe(true);
  });

  it("never puts the secret in the error message", () => {
    try {
      parseEnv({ AUTH_SECRET: "s3cr3t-but-too-short" });
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain("s3cr3t");
    }
  });
});

describe("notification settings", () => {
  const SECRET = "whsec_" + Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");
  const problemsOf = (source: Record<string, string>) => {
    try {
      parseEnv(source);
      return [];
    } catch (error) {
      if (error instanceof EnvError) return error.problems;
      throw error;
    }
  };

  it("every channel is off by default, with the default channel names", () => {
    const env = parseEnv({});
    expect([env.SLACK_BOT_TOKEN, env.SMTP_URL, env.WEBHOOK_ENDPOINTS]).toEqual([undefined, undefined, undefined]);
    expect([env.SLACK_APPROVALS_CHANNEL, env.SLACK_SECURITY_CHANNEL]).toEqual([
      "#access-approvals",
      "#security-alerts",
    ]);
  });

  it("accepts a whole configuration", () => {
    const env = parseEnv({
      SLACK_BOT_TOKEN: "xoxb-1234-5678-abcdef",
      SLACK_SIGNING_SECRET: "0123456789abcdef0123456789abcdef",
      SLACK_TEAM_ID: "T0123ABC",
      SLACK_APPROVALS_CHANNEL: "C0123456789",
      SMTP_URL: "smtps://jit:p%40ss@mail.example.com:465",
      MAIL_FROM: "JIT portal <jit@example.com>",
      MAIL_SECURITY_TO: "sec@example.com, soc@example.com",
      WEBHOOK_ENDPOINTS: JSON.stringify([
        { name: "siem", url: "https://siem.example.com/hook", secret: SECRET, events: ["request.*"] },
      ]),
    });
    expect(env.MAIL_SECURITY_TO).toEqual(["sec@example.com", "soc@example.com"]);
    expect(env.WEBHOOK_ENDPOINTS?.[0]?.name).toBe("siem");
  });

  it.each([
    ["SLACK_APPROVALS_CHANNEL", "#Approvals Team"],
    ["SLACK_SECURITY_CHANNEL", "security"],
    ["SMTP_URL", "http://mail.example.com"],
    ["SMTP_URL", "smtp://"],
    ["SLACK_BOT_TOKEN", "not-a-token"],
    ["SLACK_TEAM_ID", "workspace"],
    ["MAIL_SECURITY_TO", "security team"],
    ["WEBHOOK_ENDPOINTS", "{not json"],
    ["WEBHOOK_ENDPOINTS", JSON.stringify([{ name: "x", url: "ftp://x", secret: SECRET }])],
    ["WEBHOOK_ENDPOINTS", JSON.stringify([{ name: "x", url: "https://x.example", secret: "short" }])],
    ["WEBHOOK_ENDPOINTS", JSON.stringify([{ name: "x", url: "https://user:pass@x.example/hook", secret: SECRET }])],
  ])("a bad %s stops start-up with the variable named", (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(
      problems.some((p) => p.startsWith(`${name}:`) || p.startsWith(`${name}.`)),
      problems.join("; "),
    ).toBe(true);
  });

  it("a half-configured channel is reported, never half-enabled", () => {
    expect(problemsOf({ SLACK_BOT_TOKEN: "xoxb-1234-5678-abcdef" })).toEqual([
      "SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN (interactions cannot be verified without it)",
    ]);
    expect(problemsOf({ SMTP_URL: "smtp://mail.example.com:587" })).toEqual(["MAIL_FROM: required with SMTP_URL"]);
  });

  it("a duplicate webhook name is refused, and no secret is echoed", () => {
    const problems = problemsOf({
      WEBHOOK_ENDPOINTS: JSON.stringify([
        { name: "siem", url: "https://a.example", secret: SECRET },
        { name: "siem", url: "https://b.example", secret: "whsec_tooshort" },
      ]),
    });
    expect(problems.join(" ")).toContain("WEBHOOK_ENDPOINTS");
    expect(problems.join(" ")).not.toContain(SECRET.slice(6));
    expect(problems.join(" ")).not.toContain("tooshort");
  });
});
