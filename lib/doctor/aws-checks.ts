import {
  DescribeInstanceCommand,
  ListInstancesCommand,
  ListPermissionSetsCommand,
  ListPermissionSetsProvisionedToAccountCommand,
} from "@aws-sdk/client-sso-admin";
import { ListGroupsCommand } from "@aws-sdk/client-identitystore";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { createAwsClients, destroyAwsClients, resolveCredentials, type AwsClients } from "../aws/clients";
import { parseAwsPortConfig, type AwsPortConfig } from "../aws/config";
import { toAwsPortError } from "../aws/errors";
import type { Env } from "../env";
import { fail, pass, skip, warn, type CheckResult } from "./check-result";
import {
  AUDIT_ACTIONS,
  MANAGEMENT_ACCOUNT_STATEMENT_SID,
  newProbeState,
  READ_PROBES,
  WRITE_ACTIONS,
} from "./aws-probes";

type AwsSettings = Pick<
  Env,
  "AWS_REGION" | "IDENTITY_CENTER_INSTANCE_ARN" | "IDENTITY_STORE_ID" | "AWS_SIMULATOR_URL" | "AWS_ASSUME_ROLE_ARN"
>;

const POLICY = "docs/iam-policy.json";
// Fail fast: a doctor that retries like the worker would take minutes to report an unreachable endpoint.
const CLIENT_LIMITS = { maxAttempts: 2, requestTimeoutMs: 8_000, connectionTimeoutMs: 4_000 };

function describeError(error: unknown): string {
  const failure = toAwsPortError(error);
  const name = failure.awsErrorName && failure.awsErrorName !== "Error" ? failure.awsErrorName : failure.code;
  return failure.detail ? `${name}: ${failure.detail.slice(0, 300)}` : name;
}

const allSkipped = (reason: string): CheckResult[] => [
  skip("Identity Center instance", reason),
  skip("identity store", reason),
  ...READ_PROBES.map((probe) => skip(`AWS permission ${probe.action}`, reason)),
  ...WRITE_ACTIONS.map((action) => skip(`AWS permission ${action}`, reason)),
  ...AUDIT_ACTIONS.map((action) => skip(`AWS permission ${action}`, reason)),
  skip("delegated administration", reason),
];

export async function checkAws(settings: AwsSettings): Promise<CheckResult[]> {
  const base = {
    region: settings.AWS_REGION,
    endpoint: settings.AWS_SIMULATOR_URL,
    assumeRoleArn: settings.AWS_ASSUME_ROLE_ARN,
  };
  const results: CheckResult[] = [];
  const identity = await callerIdentity(base);
  results.push(identity.result);
  if (!settings.IDENTITY_CENTER_INSTANCE_ARN || !settings.IDENTITY_STORE_ID) {
    const missing = [
      settings.IDENTITY_CENTER_INSTANCE_ARN ? null : "IDENTITY_CENTER_INSTANCE_ARN",
      settings.IDENTITY_STORE_ID ? null : "IDENTITY_STORE_ID",
    ].filter(Boolean);
    const found = identity.account ? await listInstancesHint(base) : "";
    return [
      ...results,
      fail(
        "Identity Center instance",
        `${missing.join(" and ")} not set`,
        `set them from the Identity Center console (Settings) or: aws sso-admin list-instances${found}`,
      ),
      ...allSkipped("skipped: no instance configured").slice(1),
    ];
  }
  if (!identity.account) return [...results, ...allSkipped("skipped: no AWS identity")];

  const config = parseAwsPortConfig({
    ...base,
    instanceArn: settings.IDENTITY_CENTER_INSTANCE_ARN,
    identityStoreId: settings.IDENTITY_STORE_ID,
    ...CLIENT_LIMITS,
  });
  const clients = createAwsClients(config);
  try {
    const instance = await checkInstance(clients, config);
    results.push(...instance.results);
    if (!instance.found)
      return [...results, ...allSkipped("skipped: fix the instance and identity store first").slice(2)];
    results.push(...(await checkReadPermissions(clients, config, instance.ownerAccountId ?? identity.account)));
    for (const action of WRITE_ACTIONS)
      results.push(
        warn(
          `AWS permission ${action}`,
          "not verified: the doctor makes no assignments and does not run IAM policy simulation",
          `compare the role's policy with statement ${action === "sso:CreateAccountAssignment" ? "IdentityCenterCreateAssignments" : "IdentityCenterDeleteAssignments"} of ${POLICY}`,
        ),
      );
    for (const action of AUDIT_ACTIONS)
      results.push(
        warn(
          `AWS permission ${action}`,
          "not verified: the doctor does not enter member accounts; the scorecard lists each account it cannot reach as not measured",
          `compare the role's policy with statement ScorecardAssumeAuditRole of ${POLICY} and deploy the audit role (docs/audit-role.md)`,
        ),
      );
    results.push(await checkDelegatedAdministration(clients, config, identity.account, instance.ownerAccountId));
    return results;
  } finally {
    destroyAwsClients(clients);
  }
}

async function callerIdentity(
  base: Pick<AwsPortConfig, "region" | "endpoint" | "assumeRoleArn">,
): Promise<{ result: CheckResult; account?: string }> {
  const sts = new STSClient({
    region: base.region,
    credentials: resolveCredentials({ ...base, assumeRoleSessionName: "jit-elevation-portal-doctor" } as AwsPortConfig),
    maxAttempts: CLIENT_LIMITS.maxAttempts,
    ...(base.endpoint ? { endpoint: base.endpoint } : {}),
  });
  const via = base.endpoint
    ? `the simulator at ${base.endpoint}`
    : base.assumeRoleArn
      ? `role ${base.assumeRoleArn} assumed from the default credential chain`
      : "the default credential chain";
  try {
    const output = await sts.send(new GetCallerIdentityCommand({}));
    return {
      result: pass("AWS identity", `${output.Arn} (account ${output.Account}) via ${via}`),
      account: output.Account,
    };
  } catch (error) {
    const fix = base.assumeRoleArn
      ? `check that the base credentials may sts:AssumeRole ${base.assumeRoleArn} and that the role's trust policy allows them`
      : "give the portal credentials: an IAM role (ECS task role, IRSA / EKS Pod Identity, instance profile), or AWS_PROFILE; never long-lived keys in production";
    return { result: fail("AWS identity", `sts:GetCallerIdentity via ${via} failed: ${describeError(error)}`, fix) };
  } finally {
    sts.destroy();
  }
}

async function listInstancesHint(base: Pick<AwsPortConfig, "region" | "endpoint" | "assumeRoleArn">): Promise<string> {
  const clients = createAwsClients(
    parseAwsPortConfig({
      ...base,
      instanceArn: "arn:aws:sso:::instance/ssoins-0000000000000000",
      identityStoreId: "d-0000000000",
      ...CLIENT_LIMITS,
    }),
  );
  try {
    const output = await clients.ssoAdmin.send(new ListInstancesCommand({}));
    const found = (output.Instances ?? []).map((i) => `${i.InstanceArn} (identity store ${i.IdentityStoreId})`);
    return found.length ? ` (visible here: ${found.join(", ")})` : "";
  } catch {
    return "";
  } finally {
    destroyAwsClients(clients);
  }
}

interface InstanceFacts {
  InstanceArn?: string;
  IdentityStoreId?: string;
  OwnerAccountId?: string;
  Status?: string;
  Name?: string;
}

/** DescribeInstance, else ListInstances (neither is in the least-privilege policy), else the probes' own answers. */
async function checkInstance(
  clients: AwsClients,
  config: AwsPortConfig,
): Promise<{ results: CheckResult[]; found: boolean; ownerAccountId?: string }> {
  const arnFix =
    "set IDENTITY_CENTER_INSTANCE_ARN to the ARN shown in the Identity Center console (Settings) or by aws sso-admin list-instances, in AWS_REGION";
  let facts: InstanceFacts | undefined;
  let visible: InstanceFacts[] | undefined;
  try {
    facts = await clients.ssoAdmin.send(new DescribeInstanceCommand({ InstanceArn: config.instanceArn }));
  } catch (error) {
    if (toAwsPortError(error).code !== "ACCESS_DENIED") {
      const hint = await listInstancesHint(config);
      return {
        found: false,
        results: [
          fail(
            "Identity Center instance",
            `${config.instanceArn} not found in ${config.region}: ${describeError(error)}${hint}`,
            arnFix,
          ),
        ],
      };
    }
    try {
      visible = (await clients.ssoAdmin.send(new ListInstancesCommand({}))).Instances ?? [];
      facts = visible.find((instance) => instance.InstanceArn === config.instanceArn);
    } catch {
      visible = undefined;
    }
  }
  if (!facts && visible)
    return {
      found: false,
      results: [
        fail(
          "Identity Center instance",
          `${config.instanceArn} is not among the instances in ${config.region}: ${visible.map((i) => i.InstanceArn).join(", ") || "none"}`,
          arnFix,
        ),
      ],
    };
  if (!facts) return probeInstance(clients, config, arnFix);
  const results: CheckResult[] = [];
  results.push(
    facts.Status && facts.Status !== "ACTIVE"
      ? fail(
          "Identity Center instance",
          `${config.instanceArn} is ${facts.Status}`,
          "wait until the instance is ACTIVE",
        )
      : pass(
          "Identity Center instance",
          `${config.instanceArn}${facts.Name ? ` (${facts.Name})` : ""}, owned by account ${facts.OwnerAccountId ?? "unknown"}`,
        ),
  );
  const storeMatches = facts.IdentityStoreId === config.identityStoreId;
  results.push(
    storeMatches
      ? pass("identity store", `${config.identityStoreId} belongs to the instance`)
      : fail(
          "identity store",
          `IDENTITY_STORE_ID is ${config.identityStoreId}, but the instance uses ${facts.IdentityStoreId}`,
          `set IDENTITY_STORE_ID=${facts.IdentityStoreId}`,
        ),
  );
  return {
    results,
    found: storeMatches && facts.Status !== "DELETE_IN_PROGRESS",
    ownerAccountId: facts.OwnerAccountId,
  };
}

async function probeInstance(
  clients: AwsClients,
  config: AwsPortConfig,
  arnFix: string,
): Promise<{ results: CheckResult[]; found: boolean }> {
  const denied = "(sso:DescribeInstance and sso:ListInstances are denied, so this is checked with a permitted read)";
  const results: CheckResult[] = [];
  let found = true;
  try {
    await clients.ssoAdmin.send(new ListPermissionSetsCommand({ InstanceArn: config.instanceArn, MaxResults: 1 }));
    results.push(pass("Identity Center instance", `${config.instanceArn} answers ListPermissionSets ${denied}`));
  } catch (error) {
    const failure = toAwsPortError(error);
    // A denial is reported by the ListPermissionSets permission line; only a wrong instance stops the probes.
    found = failure.code === "ACCESS_DENIED";
    results.push(
      failure.code === "ACCESS_DENIED"
        ? warn("Identity Center instance", `not verified ${denied}: ListPermissionSets was denied too`, arnFix)
        : fail("Identity Center instance", `${config.instanceArn}: ${describeError(error)}`, arnFix),
    );
  }
  try {
    await clients.identityStore.send(new ListGroupsCommand({ IdentityStoreId: config.identityStoreId, MaxResults: 1 }));
    results.push(
      pass("identity store", `${config.identityStoreId} answers ListGroups (not compared with the instance)`),
    );
  } catch (error) {
    const storeFix = "set IDENTITY_STORE_ID to the identity store of the instance (Identity Center console, Settings)";
    if (toAwsPortError(error).code === "ACCESS_DENIED")
      results.push(warn("identity store", `not verified: ListGroups was denied (${describeError(error)})`, storeFix));
    else {
      found = false;
      results.push(fail("identity store", `${config.identityStoreId}: ${describeError(error)}`, storeFix));
    }
  }
  return { results, found };
}

async function checkReadPermissions(clients: AwsClients, config: AwsPortConfig, accountId: string) {
  const state = newProbeState({
    instanceArn: config.instanceArn,
    identityStoreId: config.identityStoreId,
    accountId,
  });
  const results: CheckResult[] = [];
  for (const probe of READ_PROBES) {
    const check = `AWS permission ${probe.action}`;
    try {
      await probe.run(clients, state);
      results.push(pass(check, "allowed"));
    } catch (error) {
      const failure = toAwsPortError(error);
      if (failure.code === "NOT_FOUND" || failure.code === "VALIDATION" || failure.code === "CONFLICT")
        results.push(pass(check, `allowed (a made-up id was answered with ${failure.awsErrorName ?? failure.code})`));
      else if (failure.code === "ACCESS_DENIED")
        results.push(
          fail(
            check,
            `denied: ${describeError(error)}`,
            `allow ${probe.action} in the portal role's policy (${POLICY})`,
          ),
        );
      else results.push(warn(check, `not verified: ${describeError(error)}`, "run the doctor again"));
    }
  }
  return results;
}

async function checkDelegatedAdministration(
  clients: AwsClients,
  config: AwsPortConfig,
  callerAccountId: string,
  ownerAccountId: string | undefined,
): Promise<CheckResult> {
  const check = "delegated administration";
  if (!ownerAccountId)
    return warn(
      check,
      "not verified: the instance's owner (management) account is unknown without sso:DescribeInstance",
      "allow sso:DescribeInstance to let the doctor tell whether the portal runs as a delegated administrator",
    );
  if (callerAccountId === ownerAccountId)
    return warn(
      check,
      `the portal runs in the management account ${ownerAccountId}; assignments that target it also need the IAM permissions of statement ${MANAGEMENT_ACCOUNT_STATEMENT_SID} (not verified)`,
      `add statement ${MANAGEMENT_ACCOUNT_STATEMENT_SID} of ${POLICY}, or keep account ${ownerAccountId} out of the access policy`,
    );
  let provisioned: string[];
  try {
    const output = await clients.ssoAdmin.send(
      new ListPermissionSetsProvisionedToAccountCommand({ InstanceArn: config.instanceArn, AccountId: ownerAccountId }),
    );
    provisioned = output.PermissionSets ?? [];
  } catch (error) {
    return warn(
      check,
      `the portal runs as delegated administrator in account ${callerAccountId}; AWS refuses assignments in the management account ${ownerAccountId}, and the permission sets provisioned there could not be listed: ${describeError(error)}`,
      `keep account ${ownerAccountId} out of the access policy`,
    );
  }
  const sets = provisioned.length
    ? `, and with any of the ${provisioned.length} permission set(s) provisioned there (${provisioned.join(", ")})`
    : "";
  return warn(
    check,
    `the portal runs as delegated administrator in account ${callerAccountId}; AWS refuses assignments in the management account ${ownerAccountId}${sets}`,
    `keep account ${ownerAccountId}${provisioned.length ? " and those permission sets" : ""} out of the access policy (policy/policy.yaml)`,
  );
}
