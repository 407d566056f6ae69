import { randomUUID } from "node:crypto";
import {
  DescribeGroupCommand,
  DescribeUserCommand,
  GetGroupIdCommand,
  GetGroupMembershipIdCommand,
  GetUserIdCommand,
  IsMemberInGroupsCommand,
  ListGroupMembershipsCommand,
  ListGroupMembershipsForMemberCommand,
  ListGroupsCommand,
  ListUsersCommand,
} from "@aws-sdk/client-identitystore";
import {
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
} from "@aws-sdk/client-organizations";
import {
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  ListAccountAssignmentDeletionStatusCommand,
  DescribePermissionSetCommand,
  DescribePermissionSetProvisioningStatusCommand,
  GetInlinePolicyForPermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListAccountAssignmentsForPrincipalCommand,
  ListAccountsForProvisionedPermissionSetCommand,
  ListCustomerManagedPolicyReferencesInPermissionSetCommand,
  ListManagedPoliciesInPermissionSetCommand,
  ListPermissionSetsCommand,
  ListPermissionSetsProvisionedToAccountCommand,
} from "@aws-sdk/client-sso-admin";
import type { AwsClients } from "../aws/clients";

// One harmless read per IAM action in docs/iam-policy.json; made-up ids are fine, since AWS checks
// permission before it looks the resource up, so "not found" still proves the call is allowed.

export interface ProbeInputs {
  instanceArn: string;
  identityStoreId: string;
  /** An account to read assignments in (the caller's own or the management account). */
  accountId: string;
}

/** Filled as probes run, so later probes use real ids where earlier ones found some. */
interface ProbeState extends ProbeInputs {
  permissionSetArn?: string;
  rootId?: string;
}

export interface ReadProbe {
  action: string;
  run(clients: AwsClients, state: ProbeState): Promise<unknown>;
}

const MADE_UP_USER_ID = "00000000-0000-4000-8000-00000000d0c7";

function madeUpPermissionSetArn(instanceArn: string): string {
  const instanceId = instanceArn.split("/").pop() ?? "ssoins-0000000000000000";
  return `arn:aws:sso:::permissionSet/${instanceId}/ps-0000000000000000`;
}

export const READ_PROBES: readonly ReadProbe[] = [
  {
    action: "sso:ListPermissionSets",
    async run({ ssoAdmin }, state) {
      const output = await ssoAdmin.send(
        new ListPermissionSetsCommand({ InstanceArn: state.instanceArn, MaxResults: 1 }),
      );
      state.permissionSetArn = output.PermissionSets?.[0];
      return output;
    },
  },
  {
    action: "sso:DescribePermissionSet",
    run: ({ ssoAdmin }, state) =>
      ssoAdmin.send(
        new DescribePermissionSetCommand({
          InstanceArn: state.instanceArn,
          PermissionSetArn: state.permissionSetArn ?? madeUpPermissionSetArn(state.instanceArn),
        }),
      ),
  },
  {
    action: "sso:ListAccountAssignments",
    run: ({ ssoAdmin }, state) =>
      ssoAdmin.send(
        new ListAccountAssignmentsCommand({
          InstanceArn: state.instanceArn,
          AccountId: state.accountId,
          PermissionSetArn: state.permissionSetArn ?? madeUpPermissionSetArn(state.instanceArn),
          MaxResults: 1,
        }),
      ),
  },
  {
    action: "sso:ListAccountAssignmentsForPrincipal",
    run: ({ ssoAdmin }, state) =>
      ssoAdmin.send(
        new ListAccountAssignmentsForPrincipalCommand({
          InstanceArn: state.instanceArn,
          PrincipalType: "USER",
          PrincipalId: MADE_UP_USER_ID,
          MaxResults: 1,
        }),
      ),
  },
  {
    action: "sso:ListPermissionSetsProvisionedToAccount",
    run: ({ ssoAdmin }, state) =>
      ssoAdmin.send(
        new ListPermissionSetsProvisionedToAccountCommand({
          InstanceArn: state.instanceArn,
          AccountId: state.accountId,
          MaxResults: 1,
        }),
      ),
  },
  {
    action: "sso:ListAccountsForProvisionedPermissionSet",
    run: ({ ssoAdmin }, state) =>
      ssoAdmin.send(
        new ListAccountsForProvisionedPermissionSetCommand({
          InstanceArn: state.instanceArn,
          PermissionSetArn: state.permissionSetArn ?? madeUpPermissionSetArn(state.instanceArn),
          MaxResults: 1,
        }),
      ),
  },
  {
    action: "sso:DescribeAccountAssignmentCreationStatus",
    run: ({ ssoAdmin }, state) =>
      ssoAdmin.send(
        new DescribeAccountAssignmentCreationStatusCommand({
          InstanceArn: state.instanceArn,
          AccountAssignmentCreationRequestId: randomUUID(),
        }),
      ),
  },
  {
    action: "sso:DescribeAccountAssignmentDeletionStatus",
    run: ({ ssoAdmin }, state) =>
      ssoAdmin.send(
        new DescribeAccountAssignmentDeletionStatusCommand({
          InstanceArn: state.instanceArn,
          AccountAssignmentDeletionRequestId: randomUUID(),
        }),
      ),
  },
  {
    action: "sso:ListAccountAssignmentDeletionStatus",
    run: ({ ssoAdmin }, state) =>
      ssoAdmin.send(
        new ListAccountAssignmentDeletionStatusCommand({
          InstanceArn: state.instanceArn,
          Filter: { Status: "IN_PROGRESS" },
          MaxResults: 1,
        }),
      ),
  },
  {
    action: "sso:GetInlinePolicyForPermissionSet",
    run: ({ ssoAdmin }, state) =>
      ssoAdmin.send(
        new GetInlinePolicyForPermissionSetCommand({
          InstanceArn: state.instanceArn,
          PermissionSetArn: state.permissionSetArn ?? madeUpPermissionSetArn(state.instanceArn),
        }),
      ),
  },
  {
    action: "sso:ListManagedPoliciesInPermissionSet",
    run: ({ ssoAdmin }, state) =>
      ssoAdmin.send(
        new ListManagedPoliciesInPermissionSetCommand({
          InstanceArn: state.instanceArn,
          PermissionSetArn: state.permissionSetArn ?? madeUpPermissionSetArn(state.instanceArn),
          MaxResults: 1,
        }),
      ),
  },
  {
    action: "sso:ListCustomerManagedPolicyReferencesInPermissionSet",
    run: ({ ssoAdmin }, state) =>
      ssoAdmin.send(
        new ListCustomerManagedPolicyReferencesInPermissionSetCommand({
          InstanceArn: state.instanceArn,
          PermissionSetArn: state.permissionSetArn ?? madeUpPermissionSetArn(state.instanceArn),
          MaxResults: 1,
        }),
      ),
  },
  {
    action: "sso:DescribePermissionSetProvisioningStatus",
    run: ({ ssoAdmin }, state) =>
      ssoAdmin.send(
        new DescribePermissionSetProvisioningStatusCommand({
          InstanceArn: state.instanceArn,
          ProvisionPermissionSetRequestId: randomUUID(),
        }),
      ),
  },
  {
    action: "identitystore:GetUserId",
    run: ({ identityStore }, state) =>
      identityStore.send(
        new GetUserIdCommand({
          IdentityStoreId: state.identityStoreId,
          AlternateIdentifier: {
            UniqueAttribute: { AttributePath: "userName", AttributeValue: "jit-portal-doctor-probe" },
          },
        }),
      ),
  },
  {
    action: "identitystore:DescribeUser",
    run: ({ identityStore }, state) =>
      identityStore.send(new DescribeUserCommand({ IdentityStoreId: state.identityStoreId, UserId: MADE_UP_USER_ID })),
  },
  {
    action: "identitystore:ListUsers",
    run: ({ identityStore }, state) =>
      identityStore.send(new ListUsersCommand({ IdentityStoreId: state.identityStoreId, MaxResults: 1 })),
  },
  {
    action: "identitystore:ListGroups",
    run: ({ identityStore }, state) =>
      identityStore.send(new ListGroupsCommand({ IdentityStoreId: state.identityStoreId, MaxResults: 1 })),
  },
  {
    action: "identitystore:DescribeGroup",
    run: ({ identityStore }, state) =>
      identityStore.send(
        new DescribeGroupCommand({ IdentityStoreId: state.identityStoreId, GroupId: MADE_UP_USER_ID }),
      ),
  },
  {
    action: "identitystore:ListGroupMemberships",
    run: ({ identityStore }, state) =>
      identityStore.send(
        new ListGroupMembershipsCommand({
          IdentityStoreId: state.identityStoreId,
          GroupId: MADE_UP_USER_ID,
          MaxResults: 1,
        }),
      ),
  },
  {
    action: "identitystore:ListGroupMembershipsForMember",
    run: ({ identityStore }, state) =>
      identityStore.send(
        new ListGroupMembershipsForMemberCommand({
          IdentityStoreId: state.identityStoreId,
          MemberId: { UserId: MADE_UP_USER_ID },
          MaxResults: 1,
        }),
      ),
  },
  {
    action: "identitystore:GetGroupId",
    run: ({ identityStore }, state) =>
      identityStore.send(
        new GetGroupIdCommand({
          IdentityStoreId: state.identityStoreId,
          AlternateIdentifier: {
            UniqueAttribute: { AttributePath: "displayName", AttributeValue: "jit-portal-doctor-probe" },
          },
        }),
      ),
  },
  {
    action: "identitystore:GetGroupMembershipId",
    run: ({ identityStore }, state) =>
      identityStore.send(
        new GetGroupMembershipIdCommand({
          IdentityStoreId: state.identityStoreId,
          GroupId: MADE_UP_USER_ID,
          MemberId: { UserId: MADE_UP_USER_ID },
        }),
      ),
  },
  {
    action: "identitystore:IsMemberInGroups",
    run: ({ identityStore }, state) =>
      identityStore.send(
        new IsMemberInGroupsCommand({
          IdentityStoreId: state.identityStoreId,
          MemberId: { UserId: MADE_UP_USER_ID },
          GroupIds: [MADE_UP_USER_ID],
        }),
      ),
  },
  {
    action: "organizations:ListRoots",
    async run({ organizations }, state) {
      const output = await organizations.send(new ListRootsCommand({}));
      state.rootId = output.Roots?.[0]?.Id;
      return output;
    },
  },
  {
    action: "organizations:ListOrganizationalUnitsForParent",
    run: ({ organizations }, state) =>
      organizations.send(
        new ListOrganizationalUnitsForParentCommand({ ParentId: state.rootId ?? "r-0000", MaxResults: 1 }),
      ),
  },
  {
    action: "organizations:ListAccountsForParent",
    run: ({ organizations }, state) =>
      organizations.send(new ListAccountsForParentCommand({ ParentId: state.rootId ?? "r-0000", MaxResults: 1 })),
  },
];

/** Actions that change assignments or permission sets: the doctor never calls them, so it cannot prove they are allowed. */
export const WRITE_ACTIONS = [
  "sso:CreateAccountAssignment",
  "sso:DeleteAccountAssignment",
  "sso:PutInlinePolicyToPermissionSet",
  "sso:DeleteInlinePolicyFromPermissionSet",
  "sso:ProvisionPermissionSet",
  "identitystore:CreateGroupMembership",
  "identitystore:DeleteGroupMembership",
] as const;

/** The statement of docs/iam-policy.json that grants each write action. */
export const WRITE_ACTION_STATEMENT: Record<(typeof WRITE_ACTIONS)[number], string> = {
  "sso:CreateAccountAssignment": "IdentityCenterCreateAssignments",
  "sso:DeleteAccountAssignment": "IdentityCenterDeleteAssignments",
  "sso:PutInlinePolicyToPermissionSet": "IdentityCenterSessionRevocation",
  "sso:DeleteInlinePolicyFromPermissionSet": "IdentityCenterSessionRevocation",
  "sso:ProvisionPermissionSet": "IdentityCenterSessionRevocation",
  "identitystore:CreateGroupMembership": "IdentityStoreGroupMembership",
  "identitystore:DeleteGroupMembership": "IdentityStoreGroupMembership",
};

/** Actions into member accounts: only assuming the audit role there proves them, and the scorecard reports each account it cannot reach. */
export const AUDIT_ACTIONS = ["sts:AssumeRole"] as const;

/** The policy statement needed only when assignments target the management account (see the delegated-admin check). */
export const MANAGEMENT_ACCOUNT_STATEMENT_SID = "OptionalManagementAccountTargetsIam";

export function newProbeState(inputs: ProbeInputs): ProbeState {
  return { ...inputs };
}
