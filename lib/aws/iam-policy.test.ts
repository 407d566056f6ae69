import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  actionPatternMatches,
  asList,
  checkPolicyCoverage,
  collectPortalSources,
  findSdkCalls,
  iamPolicyProblems,
  isAuditRoleCall,
  IAM_PREFIX_BY_SDK_PACKAGE,
  placeholdersIn,
  policyAllowsAction,
  statementsOf,
  type IamPolicyDocument,
} from "./iam-policy-check";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const policyText = fs.readFileSync(path.join(repoRoot, "docs/iam-policy.json"), "utf8");
const policy = JSON.parse(policyText) as IamPolicyDocument;
const policyDoc = fs.readFileSync(path.join(repoRoot, "docs/iam-policy.md"), "utf8");
const sources = collectPortalSources(path.join(repoRoot, "lib"));
const auditPolicyText = fs.readFileSync(path.join(repoRoot, "docs/audit-role-policy.json"), "utf8");
const auditPolicy = JSON.parse(auditPolicyText) as IamPolicyDocument;
const stackSet = fs.readFileSync(path.join(repoRoot, "docs/examples/audit-role-stackset.yaml"), "utf8");
const auditRoleDoc = fs.readFileSync(path.join(repoRoot, "docs/audit-role.md"), "utf8");
const portalCalls = (call: Parameters<typeof isAuditRoleCall>[0]) => !isAuditRoleCall(call);

const coveredPrefixes = new Set(Object.values(IAM_PREFIX_BY_SDK_PACKAGE));
const isOptional = (sid: string | undefined) => sid?.startsWith("Optional") ?? false;

describe("docs/iam-policy.json against the code", () => {
  it("is a well-formed IAM policy", () => {
    expect(iamPolicyProblems(policy)).toEqual([]);
  });

  it("grants every AWS action the portal's code calls", () => {
    const coverage = checkPolicyCoverage(sources, policy, portalCalls);
    expect(coverage.unmapped).toEqual([]);
    expect(coverage.missing).toEqual([]);
    // The scan must actually see the port, or the check above proves nothing.
    const actions = new Set(coverage.calls.map((call) => call.iamAction));
    for (const core of [
      "sso:CreateAccountAssignment",
      "sso:DeleteAccountAssignment",
      "sso:DescribeAccountAssignmentCreationStatus",
      "sso:PutInlinePolicyToPermissionSet",
      "sso:ProvisionPermissionSet",
      "identitystore:GetUserId",
      "organizations:ListRoots",
      "sso:ListManagedPoliciesInPermissionSet",
      "sts:AssumeRole",
    ]) {
      expect(actions).toContain(core);
    }
  });

  it("grants no sso, identitystore, organizations or sts action the code does not call, outside optional statements", () => {
    const used = new Set(
      checkPolicyCoverage(sources, policy, portalCalls).calls.map((call) => call.iamAction?.toLowerCase()),
    );
    const unused = statementsOf(policy)
      .filter((statement) => !isOptional(statement.Sid))
      .flatMap((statement) => asList(statement.Action))
      .filter((action) => coveredPrefixes.has(action.split(":")[0] ?? "") && !used.has(action.toLowerCase()));
    expect(unused).toEqual([]);
  });

  it("uses Resource * only where AWS offers no resource scoping for an action", () => {
    const unscoped = statementsOf(policy)
      .filter((statement) => asList(statement.Resource).includes("*"))
      .map((statement) => statement.Sid);
    expect(unscoped).toEqual(["OrganizationsReadTree"]);
  });

  it("keeps IAM permissions in the clearly labelled optional statement, confined to Identity Center's own roles", () => {
    const iamStatements = statementsOf(policy).filter((statement) =>
      asList(statement.Action).some((action) => action.startsWith("iam:")),
    );
    expect(iamStatements.map((statement) => statement.Sid)).toEqual(["OptionalManagementAccountTargetsIam"]);
    for (const resource of asList(iamStatements[0]?.Resource)) {
      expect(resource).toMatch(
        /^arn:aws:iam::\$\{ManagementAccountId\}:(role\/aws-reserved\/sso\.amazonaws\.com\/|saml-provider\/AWSSSO_)/,
      );
    }
  });

  it("documents every placeholder and every statement", () => {
    const placeholders = placeholdersIn(policyText);
    expect(placeholders).toEqual([
      "AuditRoleName",
      "IdentityStoreId",
      "IdentityStoreOwnerAccountId",
      "InstanceId",
      "ManagementAccountId",
    ]);
    for (const placeholder of placeholders) expect(policyDoc).toContain(`\`\${${placeholder}}\``);
    for (const statement of statementsOf(policy)) expect(policyDoc).toContain(`\`${statement.Sid}\``);
  });

  it("never contains AWS access keys in the port, its config or its docs", () => {
    const texts = [
      policyText,
      policyDoc,
      ...sources.filter((source) => source.file.includes(`${path.sep}aws${path.sep}`)).map((source) => source.text),
    ];
    for (const text of texts) expect(text).not.toMatch(/\b(AKIA|ASIA)[0-9A-Z]{16}\b/);
  });
});

describe("docs/audit-role-policy.json, the audit role in member accounts", () => {
  it("is well formed and grants exactly the IAM calls the portal makes with the audit role", () => {
    expect(iamPolicyProblems(auditPolicy)).toEqual([]);
    const coverage = checkPolicyCoverage(sources, auditPolicy, isAuditRoleCall);
    expect(coverage.missing).toEqual([]);
    const used = [...new Set(coverage.calls.map((call) => call.iamAction))].sort();
    expect(used).toEqual(["iam:GenerateCredentialReport", "iam:GetCredentialReport"]);
    const granted = statementsOf(auditPolicy)
      .flatMap((statement) => asList(statement.Action))
      .sort();
    expect(granted).toEqual(used);
  });

  it("is the policy the StackSet template and the Terraform snippet deploy, and nothing more", () => {
    // Condition keys look like actions; the trust policy's sts:ExternalId is one.
    const actionsIn = (text: string) =>
      [...new Set(text.match(/\b(?:iam|sts|sso|s3|ec2|organizations):[A-Za-z*]+/g))]
        .filter((name) => name !== "sts:ExternalId")
        .sort();
    expect(actionsIn(stackSet)).toEqual(["iam:GenerateCredentialReport", "iam:GetCredentialReport", "sts:AssumeRole"]);
    const terraform = /```hcl([\s\S]*?)```/.exec(auditRoleDoc)?.[1] ?? "";
    expect(actionsIn(terraform)).toEqual(["iam:GenerateCredentialReport", "iam:GetCredentialReport", "sts:AssumeRole"]);
    // The trust policy names the external id, so a confused deputy cannot borrow the role.
    expect(stackSet).toContain("sts:ExternalId");
    expect(terraform).toContain("sts:ExternalId");
  });
});

describe("the SDK call matcher", () => {
  it("reports a command the policy does not grant", () => {
    const source = `
      import { UpdatePermissionSetCommand, SSOAdminClient } from "@aws-sdk/client-sso-admin";
      export const update = (client: SSOAdminClient) => client.send(new UpdatePermissionSetCommand({} as never));
    `;
    const coverage = checkPolicyCoverage([{ file: "lib/fake/provision.ts", text: source }], policy);
    expect(coverage.missing).toEqual([{ action: "sso:UpdatePermissionSet", files: ["lib/fake/provision.ts"] }]);
  });

  it("maps paginators, aliases and namespace imports through their package", () => {
    const source = `
      import { paginateListUsers, DescribeGroupCommand as Describe } from "@aws-sdk/client-identitystore";
      import * as orgs from "@aws-sdk/client-organizations";
      for await (const page of paginateListUsers({ client }, {})) void page;
      await client.send(new Describe({}));
      await orgs.paginateListChildren({ client }, {});
      await client.send(new orgs.DescribeOrganizationCommand({}));
    `;
    expect(
      findSdkCalls(source)
        .map((call) => call.iamAction)
        .sort(),
    ).toEqual([
      "identitystore:DescribeGroup",
      "identitystore:ListUsers",
      "organizations:DescribeOrganization",
      "organizations:ListChildren",
    ]);
  });

  it("flags a command it cannot trace to an SDK package instead of ignoring it", () => {
    const source = `import { AssumeRoleCommand } from "./somewhere"; await sts.send(new AssumeRoleCommand({}));`;
    expect(findSdkCalls(source)).toEqual([
      { file: "<source>", kind: "command", operation: "AssumeRole", sdkPackage: null, iamAction: null },
    ]);
  });

  it("ignores imports that are never called, type-only imports and commented-out code", () => {
    const source = `
      import { ListInstancesCommand, type ListInstancesCommandOutput } from "@aws-sdk/client-sso-admin";
      // await client.send(new ListInstancesCommand({}));
      /* new ListInstancesCommand({}) */
      export type Out = ListInstancesCommandOutput;
    `;
    expect(findSdkCalls(source)).toEqual([]);
  });

  it("matches IAM action patterns case-insensitively with wildcards, and honours explicit denies", () => {
    expect(actionPatternMatches("sso:Describe*", "sso:DescribePermissionSet")).toBe(true);
    expect(actionPatternMatches("SSO:listpermissionsets", "sso:ListPermissionSets")).toBe(true);
    expect(actionPatternMatches("sso:List?ermissionSets", "sso:ListPermissionSets")).toBe(true);
    expect(actionPatternMatches("sso:Describe*", "sso:CreateAccountAssignment")).toBe(false);
    const withDeny: IamPolicyDocument = {
      Version: "2012-10-17",
      Statement: [
        { Sid: "All", Effect: "Allow", Action: "sso:*", Resource: "*" },
        { Sid: "NoCreate", Effect: "Deny", Action: "sso:CreateAccountAssignment", Resource: "*" },
      ],
    };
    expect(policyAllowsAction(withDeny, "sso:DeleteAccountAssignment")).toBe(true);
    expect(policyAllowsAction(withDeny, "sso:CreateAccountAssignment")).toBe(false);
  });

  it("catches malformed policies", () => {
    const broken = {
      Version: "2008-10-17",
      Statement: [{ Sid: "bad sid", Effect: "Permit", Action: [], NotResource: "*" }],
    } as unknown as IamPolicyDocument;
    expect(iamPolicyProblems(broken)).toEqual([
      'Version must be "2012-10-17", got "2008-10-17"',
      "statement bad sid: Sid must be alphanumeric",
      "statement bad sid: Effect must be Allow or Deny",
      "statement bad sid: NotAction/NotResource grant by exclusion; list actions and resources instead",
      "statement bad sid: Action must list at least one action",
      'statement bad sid: Resource must list at least one ARN or "*"',
    ]);
  });
});
