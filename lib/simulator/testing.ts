// Helpers for tests that talk to the simulator through the real AWS SDK clients.
import { IdentitystoreClient } from "@aws-sdk/client-identitystore";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { IAMClient } from "@aws-sdk/client-iam";
import { SSOClient } from "@aws-sdk/client-sso";
import { SSOAdminClient } from "@aws-sdk/client-sso-admin";
import { STSClient } from "@aws-sdk/client-sts";
import type { SimulatorConfigPatch } from "./config";
import { startSimulator, type SimulatorHandle } from "./server";

export const SIMULATOR_CREDENTIALS = { accessKeyId: "simulator", secretAccessKey: "simulator" };

export interface SdkClients {
  ssoAdmin: SSOAdminClient;
  identityStore: IdentitystoreClient;
  organizations: OrganizationsClient;
}

export function sdkClients(url: string, options: { maxAttempts?: number } = {}): SdkClients {
  const config = { endpoint: url, region: "us-east-1", credentials: SIMULATOR_CREDENTIALS, ...options };
  return {
    ssoAdmin: new SSOAdminClient(config),
    identityStore: new IdentitystoreClient(config),
    organizations: new OrganizationsClient(config),
  };
}

/** What a simulated user holds: the access portal client, and IAM/STS clients for a set of role credentials. */
export function userClients(url: string) {
  const base = { endpoint: url, region: "us-east-1", maxAttempts: 1 };
  return {
    // The portal's operations are unsigned (bearer token); the SDK still wants a region.
    portal: new SSOClient(base),
    iam: (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string }) =>
      new IAMClient({ ...base, credentials }),
    sts: (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string }) =>
      new STSClient({ ...base, credentials }),
  };
}

/** A fresh in-memory simulator tuned for fast tests: short async delay, no rate limits, no Retry-After wait. */
export function startTestSimulator(config: SimulatorConfigPatch = {}): Promise<SimulatorHandle> {
  return startSimulator({
    config: {
      asyncDelayMs: 20,
      rateLimitPerSecond: 0,
      identityStoreRateLimitPerSecond: 0,
      retryAfterSeconds: 0,
      ...config,
    },
  });
}

export async function waitUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 5_000,
  intervalMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves to the rejection of `promise`, failing when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error("expected the call to fail, but it succeeded");
}
