import { describe, expect, it } from "vitest";
import { parseEnv } from "./env";
import { createLogger, loggerSettings, type Logger } from "./log";

const AUTH_SECRET = "auth-secret-value-0123456789abcdefghijklmnop";
const CLIENT_SECRET = "oidc-client-secret-value-xyz";

function captured(level: "debug" | "info" = "info"): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({
    level,
    secrets: [AUTH_SECRET, CLIENT_SECRET],
    destination: { write: (l) => lines.push(l) },
  });
  return { logger, lines };
}

function parsed(lines: string[]): Record<string, unknown>[] {
  return lines
    .join("")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("logger", () => {
  it("writes one JSON object per line with level, time and the event's fields", () => {
    const { logger, lines } = captured();
    logger
      .child({ jobId: "j1", verb: "activate-grant", actorId: "system:activate-grant" })
      .info({ durationMs: 12, outcome: "active", awsRequestId: "req-1" }, "job done");
    logger.warn("second");
    const output = lines.join("");
    expect(output.split("\n").filter(Boolean)).toHaveLength(2);
    const [first, second] = parsed(lines);
    expect(first).toMatchObject({
      level: "info",
      jobId: "j1",
      verb: "activate-grant",
      actorId: "system:activate-grant",
      durationMs: 12,
      outcome: "active",
      awsRequestId: "req-1",
      msg: "job done",
    });
    expect(new Date(String(first!.time)).toISOString()).toBe(first!.time);
    expect(second).toMatchObject({ level: "warn", msg: "second" });
  });

  it("keeps below-level events out", () => {
    const { logger, lines } = captured("info");
    logger.debug("quiet");
    expect(lines).toEqual([]);
  });

  it("logs an error's type, message and AWS request id", () => {
    const { logger, lines } = captured();
    const error = Object.assign(new Error("throttled"), {
      name: "ThrottlingException",
      $metadata: { requestId: "r-9" },
    });
    logger.error({ err: error }, "call failed");
    logger.error(error);
    const [withMessage, bare] = parsed(lines);
    expect(withMessage).toMatchObject({
      msg: "call failed",
      err: { type: "ThrottlingException", awsRequestId: "r-9" },
    });
    expect(bare).toMatchObject({ msg: "throttled", err: { message: "throttled" } });
  });

  it("never prints secrets, tokens, cookies, OIDC codes or state", () => {
    const { logger, lines } = captured();
    const bearer = "eyJhbGciOiJSUzI1NiJ9.payload-part.signature-part";
    const cookie = "authjs.session-token=session-cookie-value-123; other=1";
    logger.info(`starting with ${AUTH_SECRET}`);
    logger.info({ config: { authSecret: AUTH_SECRET, nested: [`client ${CLIENT_SECRET}`] } }, "config");
    logger.info({ headers: { authorization: `Bearer ${bearer}`, cookie } }, "request");
    logger.info({ headers: new Headers({ authorization: `Bearer ${bearer}`, cookie }) }, "request headers");
    logger.info(`GET /api/auth/callback/oidc?code=abc-one-time-code&state=xyz-state-value 302`);
    logger.info({ url: "http://localhost:3000/api/auth/callback/oidc?state=xyz-state-value&code=abc-one-time-code" });
    logger.info(`upstream said: Authorization: Bearer ${bearer}`);
    logger.info(`browser sent cookie: ${cookie}`);
    logger.info({ client_secret: CLIENT_SECRET, access_token: bearer, refresh_token: "refresh-token-value" });
    logger.error(new Error(`token exchange failed for secret ${CLIENT_SECRET} and code=abc-one-time-code`));
    logger.info("database at postgres://portal:db-password-value@db:5432/portal");
    const output = lines.join("");
    expect(parsed(lines)).toHaveLength(11);
    for (const value of [
      AUTH_SECRET,
      CLIENT_SECRET,
      bearer,
      "session-cookie-value-123",
      "abc-one-time-code",
      "xyz-state-value",
      "refresh-token-value",
      "db-password-value",
    ])
      expect(output).not.toContain(value);
    expect(output).toContain("/api/auth/callback/oidc?code=[redacted]&state=[redacted]");
  });
});

describe("loggerSettings", () => {
  it("never prints a jit login token or device code, under any key or inside text", () => {
    const { logger, lines } = captured();
    const token = "jit_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v";
    logger.info({ device_code: "dc-secret-value", user_code: "BCDF-GHJK", body: { accessToken: token } }, "poll");
    logger.warn(`failed for device_code=dc-secret-value&user_code=BCDF-GHJK with ${token}`);
    const output = lines.join("");
    for (const secret of [token, "dc-secret-value", "BCDF-GHJK"]) expect(output).not.toContain(secret);
  });

  it("lists every configured secret, the notification channels' included", () => {
    const whsec = "whsec_" + Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");
    const env = parseEnv({
      SLACK_BOT_TOKEN: "xoxb-1234-5678-abcdefgh",
      SLACK_SIGNING_SECRET: "0123456789abcdef0123456789abcdef",
      SMTP_URL: "smtp://jit:smtp-pass-word@mail.example.com:587",
      MAIL_FROM: "jit@example.com",
      WEBHOOK_ENDPOINTS: JSON.stringify([{ name: "siem", url: "https://siem.example.com/hook", secret: whsec }]),
    });
    expect(loggerSettings(env).secrets).toEqual(
      expect.arrayContaining(["xoxb-1234-5678-abcdefgh", "0123456789abcdef0123456789abcdef", "smtp-pass-word", whsec]),
    );
  });
});
