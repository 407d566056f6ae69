// Who the simulated caller is: the management account, the delegated administrator, or a plain member account.
import type { SimulatorConfig } from "./config";
import type { DemoSeed } from "./seed";

export function callerAccountId(config: SimulatorConfig, seed: DemoSeed): string {
  if (config.callerMode === "management") return seed.organization.managementAccountId;
  if (config.callerMode === "delegated-admin") return seed.delegatedAdminAccountId;
  const member = seed.accounts.find(
    (account) => account.id !== seed.organization.managementAccountId && account.id !== seed.delegatedAdminAccountId,
  );
  return member?.id ?? "000000000000";
}

export function callerArn(config: SimulatorConfig, seed: DemoSeed): string {
  return `arn:aws:sts::${callerAccountId(config, seed)}:assumed-role/${config.callerRoleName}/jit-portal`;
}

export function notAuthorizedMessage(
  config: SimulatorConfig,
  seed: DemoSeed,
  action: string,
  resource: string,
): string {
  return `User: ${callerArn(config, seed)} is not authorized to perform: ${action} on resource: ${resource}`;
}
