import { IdentitystoreClient } from "@aws-sdk/client-identitystore";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { SSOAdminClient, type SSOAdminClientConfig } from "@aws-sdk/client-sso-admin";
import { fromNodeProviderChain, fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { SIMULATOR_CREDENTIALS, type AwsPortConfig } from "./config";

export interface AwsClients {
  ssoAdmin: SSOAdminClient;
  identityStore: IdentitystoreClient;
  organizations: OrganizationsClient;
}

type CredentialsSetting = SSOAdminClientConfig["credentials"];

/** Simulator placeholders, an assumed role, or undefined so the SDK uses its default chain. */
export function resolveCredentials(
  config: Pick<AwsPortConfig, "endpoint" | "assumeRoleArn" | "assumeRoleSessionName" | "region">,
): CredentialsSetting {
  if (config.endpoint) return { ...SIMULATOR_CREDENTIALS };
  if (config.assumeRoleArn) {
    return fromTemporaryCredentials({
      masterCredentials: fromNodeProviderChain(),
      params: { RoleArn: config.assumeRoleArn, RoleSessionName: config.assumeRoleSessionName },
      clientConfig: { region: config.region },
    });
  }
  return undefined;
}

export function createAwsClients(config: AwsPortConfig): AwsClients {
  const shared = {
    region: config.region,
    credentials: resolveCredentials(config),
    maxAttempts: config.maxAttempts,
    requestHandler: { requestTimeout: config.requestTimeoutMs, connectionTimeout: config.connectionTimeoutMs },
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
  };
  return {
    ssoAdmin: new SSOAdminClient(shared),
    identityStore: new IdentitystoreClient(shared),
    // Organizations is a global service; the SDK's endpoint rules route any region to its home endpoint.
    organizations: new OrganizationsClient(shared),
  };
}

export function destroyAwsClients(clients: AwsClients) {
  clients.ssoAdmin.destroy();
  clients.identityStore.destroy();
  clients.organizations.destroy();
}
