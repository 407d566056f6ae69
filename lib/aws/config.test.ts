import { describe, expect, it } from "vitest";
import { createAwsClients, destroyAwsClients, resolveCredentials } from "./clients";
import { parseAwsPortConfig, SIMULATOR_CREDENTIALS } from "./config";
import { isoDurationToMinutes } from "./session-duration";

const base = {
  region: "us-east-1",
  instanceArn: "arn:aws:sso:::instance/ssoins-7223a8d4c1e95b06",
  identityStoreId: "d-9067c4e1a2",
};

describe("AwsPortConfig", () => {
  it("accepts a minimal config and fills the defaults", () => {
    const config = parseAwsPortConfig(base);
    expect(config).toMatchObject({ ...base, assumeRoleSessionName: "jit-elevation-portal", requestTimeoutMs: 20_000 });
    expect(config.endpoint).toBeUndefined();
  });

  it("names every bad field", () => {
    expect(() =>
      parseAwsPortConfig({ region: "mars", instanceArn: "arn:aws:sso:::instance/nope", identityStoreId: "store" }),
    ).toThrow(/region[\s\S]*instanceArn[\s\S]*identityStoreId/);
  });

  it("refuses to combine the simulator endpoint with a real role", () => {
    expect(() =>
      parseAwsPortConfig({
        ...base,
        endpoint: "http://127.0.0.1:4566",
        assumeRoleArn: "arn:aws:iam::111111111111:role/Portal",
      }),
    ).toThrow(/cannot be combined/);
  });
});

describe("resolveCredentials", () => {
  it("uses the fixed placeholder credentials for the simulator", () => {
    expect(resolveCredentials(parseAwsPortConfig({ ...base, endpoint: "http://127.0.0.1:4566" }))).toEqual(
      SIMULATOR_CREDENTIALS,
    );
  });

  it("leaves credentials to the SDK default chain for real AWS", () => {
    expect(resolveCredentials(parseAwsPortConfig(base))).toBeUndefined();
  });

  it("wraps the default chain in an assume-role provider when a role is configured", () => {
    const provider = resolveCredentials(
      parseAwsPortConfig({ ...base, assumeRoleArn: "arn:aws:iam::111111111111:role/JitPortalIdentityCenter" }),
    );
    expect(typeof provider).toBe("function");
  });

  it("points all three clients at the simulator endpoint", async () => {
    const clients = createAwsClients(
      parseAwsPortConfig({ ...base, endpoint: "http://127.0.0.1:4566", maxAttempts: 5 }),
    );
    try {
      for (const client of [clients.ssoAdmin, clients.identityStore, clients.organizations]) {
        const endpoint = await client.config.endpoint?.();
        expect(`${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`).toBe("http://127.0.0.1:4566");
        expect(await client.config.maxAttempts()).toBe(5);
      }
    } finally {
      destroyAwsClients(clients);
    }
  });
});

describe("isoDurationToMinutes", () => {
  it.each([
    ["PT1H", 60],
    ["PT12H", 720],
    ["PT1H30M", 90],
    ["PT3600S", 60],
    ["PT90.5S", 1],
    ["P1D", 1_440],
    ["P1W", 10_080],
  ])("%s is %i minutes", (duration, minutes) => {
    expect(isoDurationToMinutes(duration)).toBe(minutes);
  });

  it.each(["P1M", "P1Y", "P", "PT", "1H", "PT1H ", ""])("rejects %j", (duration) => {
    expect(() => isoDurationToMinutes(duration)).toThrow(RangeError);
  });
});
