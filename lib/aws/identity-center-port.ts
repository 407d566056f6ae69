import {
  ConflictException as IdentityStoreConflict,
  CreateGroupMembershipCommand,
  DeleteGroupMembershipCommand,
  DescribeGroupCommand,
  DescribeUserCommand,
  GetGroupIdCommand,
  GetGroupMembershipIdCommand,
  GetUserIdCommand,
  IsMemberInGroupsCommand,
  paginateListGroupMemberships,
  paginateListGroupMembershipsForMember,
  paginateListGroups,
  paginateListUsers,
  ResourceNotFoundException as IdentityStoreResourceNotFound,
  type IdentitystoreClient,
} from "@aws-sdk/client-identitystore";
import {
  type OrganizationsClient,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  paginateListRoots,
} from "@aws-sdk/client-organizations";
import {
  CreateAccountAssignmentCommand,
  DeleteAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  DeleteInlinePolicyFromPermissionSetCommand,
  DescribePermissionSetCommand,
  DescribePermissionSetProvisioningStatusCommand,
  GetInlinePolicyForPermissionSetCommand,
  paginateListAccountAssignmentDeletionStatus,
  paginateListAccountAssignments,
  paginateListAccountAssignmentsForPrincipal,
  paginateListAccountsForProvisionedPermissionSet,
  paginateListCustomerManagedPolicyReferencesInPermissionSet,
  paginateListManagedPoliciesInPermissionSet,
  paginateListPermissionSets,
  paginateListPermissionSetsProvisionedToAccount,
  ProvisionPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
  type AccountAssignmentOperationStatus,
  type PermissionSetProvisioningStatus,
  type SSOAdminClient,
} from "@aws-sdk/client-sso-admin";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { STSClient } from "@aws-sdk/client-sts";
import { z } from "zod";
import { createAwsClients, destroyAwsClients, type AwsClients } from "./clients";
import { parseAwsPortConfig, type AwsPortConfigInput } from "./config";
import { AwsPortError, toAwsPortError } from "./errors";
import { NO_RATE_LIMIT, type RateLimiter } from "./rate-limiter";
import { DEFAULT_SESSION_DURATION, isoDurationToMinutes } from "./session-duration";

// ---- What the rest of the portal sees -------------------------------------------------------

export type PrincipalType = "USER" | "GROUP";
export type AssignmentOperationStatus = "IN_PROGRESS" | "SUCCEEDED" | "FAILED";

export interface OrgAccount {
  id: string;
  name: string;
  email?: string;
  /** Organizations account state (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED …). */
  status?: string;
  /** Root id first, then each OU down to the account's direct parent. */
  ouIds: string[];
  /** Names along the same path, e.g. "Root/Workloads/Production". */
  ouPath: string;
}

export interface PermissionSetSummary {
  arn: string;
  name: string;
  description?: string;
  /** ISO-8601, e.g. "PT4H". */
  sessionDuration: string;
  sessionDurationMinutes: number;
}

export interface IdentityStoreUser {
  id: string;
  userName?: string;
  displayName?: string;
  email?: string;
  givenName?: string;
  familyName?: string;
  status?: string;
}

export interface IdentityStoreGroup {
  id: string;
  displayName: string;
  description?: string;
}

/** What adding a member did: created (with its id), already a member (id unknown until looked up), or no such group. */
export type AddGroupMemberResult =
  { status: "CREATED"; membershipId: string } | { status: "ALREADY_MEMBER" } | { status: "GROUP_NOT_FOUND" };

/** A membership lookup: its id, none, or the group itself is gone. */
export type GroupMembershipLookup =
  { status: "MEMBER"; membershipId: string } | { status: "NOT_MEMBER" } | { status: "GROUP_NOT_FOUND" };

/** LATEST_PERMISSION_SET_NOT_PROVISIONED: the set was edited and the account's role does not carry the edit yet. */
export type ProvisioningFilter = "LATEST_PERMISSION_SET_PROVISIONED" | "LATEST_PERMISSION_SET_NOT_PROVISIONED";

export interface AssignmentPrincipal {
  principalType: PrincipalType;
  principalId: string;
}

/** A managed policy attached to a permission set: AWS managed (arn:aws:iam::aws:policy/…) or the customer's own. */
export interface AttachedManagedPolicy {
  arn: string;
  name: string;
}

/** A customer managed policy a permission set references by name and path (resolved in each account). */
export interface CustomerManagedPolicyReference {
  name: string;
  path: string;
}

export interface PrincipalAssignment extends AssignmentPrincipal {
  accountId: string;
  permissionSetArn: string;
}

const ACCOUNT_ID = /^\d{12}$/;
// The model's MaxResults ceiling for the status lists: fewest pages per sweep.
const STATUS_PAGE_SIZE = 100;
const PERMISSION_SET_ARN =
  /^arn:aws(-[a-z]{1,5}){0,3}:sso:::permissionSet\/(sso)?ins-[a-zA-Z0-9-.]{16}\/ps-[a-zA-Z0-9-./]{16}$/;
const PRINCIPAL_ID = /^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$/;

export const AssignmentTuple = z.object({
  accountId: z.string().regex(ACCOUNT_ID, "expected a 12-digit account id"),
  permissionSetArn: z.string().regex(PERMISSION_SET_ARN, "expected a permission set ARN"),
  principalType: z.enum(["USER", "GROUP"]),
  principalId: z.string().regex(PRINCIPAL_ID, "expected an Identity Store user or group id"),
});
export type AssignmentTuple = z.infer<typeof AssignmentTuple>;

export interface AssignmentOperation {
  requestId: string;
  status: AssignmentOperationStatus;
  failureReason?: string;
}

/** DeleteAccountAssignment said there was nothing to remove: the assignment is already gone. */
export interface AlreadyAbsent {
  status: "ALREADY_ABSENT";
}

/** One entry of ListAccountAssignmentDeletionStatus: AWS lists no FailureReason there. */
export interface ListedOperationStatus {
  requestId: string;
  status: AssignmentOperationStatus;
}

export interface AssignmentStatusReport {
  status: AssignmentOperationStatus;
  failureReason?: string;
  createdAt?: Date;
}

/** The narrow view of IAM Identity Center, Identity Store and Organizations that the portal uses. Errors are AwsPortError. */
export interface IdentityCenterPort {
  listAccounts(): Promise<OrgAccount[]>;
  listPermissionSets(): Promise<PermissionSetSummary[]>;
  /** Permission sets with a role in the account; used to spot sets a delegated admin cannot assign. */
  listPermissionSetArnsProvisionedToAccount(accountId: string): Promise<string[]>;
  /** Accounts where the set is provisioned, optionally only those whose role is (or is not) current. */
  listAccountsForProvisionedPermissionSet(permissionSetArn: string, status?: ProvisioningFilter): Promise<string[]>;
  findUserIdByUserName(userName: string): Promise<string | null>;
  findUserIdByEmail(email: string): Promise<string | null>;
  describeUser(userId: string): Promise<IdentityStoreUser | null>;
  listGroups(): Promise<IdentityStoreGroup[]>;
  /** Every user in the identity store (the scorecard's listing by principal). */
  listUsers(): Promise<IdentityStoreUser[]>;
  listGroupIdsForUser(userId: string): Promise<string[]>;
  /** Null when the group no longer exists. */
  describeGroup(groupId: string): Promise<IdentityStoreGroup | null>;
  /** Direct members of the group (ListGroupMemberships, every page). */
  countGroupMembers(groupId: string): Promise<number>;
  /** GetGroupId by display name (exact, as the policy writes it); null when no such group. */
  findGroupIdByDisplayName(displayName: string): Promise<string | null>;
  /** User ids of the group's direct members; null when the group no longer exists. */
  listGroupMemberIds(groupId: string): Promise<string[] | null>;
  /** CreateGroupMembership; a duplicate (ConflictException UNIQUENESS_CONSTRAINT_VIOLATION) is ALREADY_MEMBER. */
  addGroupMember(groupId: string, userId: string): Promise<AddGroupMemberResult>;
  /** DeleteGroupMembership; a membership that is already gone is ALREADY_ABSENT. */
  removeGroupMember(membershipId: string): Promise<"REMOVED" | "ALREADY_ABSENT">;
  /** GetGroupMembershipId: the verification that a membership exists (or not). */
  findGroupMembership(groupId: string, userId: string): Promise<GroupMembershipLookup>;
  /** IsMemberInGroups for one group (direct membership). */
  isMemberInGroup(groupId: string, userId: string): Promise<boolean>;
  listAssignments(target: { accountId: string; permissionSetArn: string }): Promise<AssignmentPrincipal[]>;
  listAssignmentsForPrincipal(
    principalId: string,
    filter?: { accountId?: string },
    principalType?: PrincipalType,
  ): Promise<PrincipalAssignment[]>;
  assign(tuple: AssignmentTuple): Promise<AssignmentOperation>;
  unassign(tuple: AssignmentTuple): Promise<AssignmentOperation | AlreadyAbsent>;
  creationStatus(requestId: string): Promise<AssignmentStatusReport>;
  deletionStatus(requestId: string): Promise<AssignmentStatusReport>;
  /** Every retained deletion in one status (all pages of 100): one call checks many operations. */
  listDeletionStatuses(status: AssignmentOperationStatus): Promise<ListedOperationStatus[]>;
  /** Null when the set no longer exists. */
  describePermissionSet(permissionSetArn: string): Promise<PermissionSetSummary | null>;
  /** The set's inline policy text; null when it has none (AWS answers "" or omits it). */
  getInlinePolicy(permissionSetArn: string): Promise<string | null>;
  /** Replaces the whole inline policy; reaches accounts only after provisionPermissionSet. */
  putInlinePolicy(permissionSetArn: string, policy: string): Promise<void>;
  deleteInlinePolicy(permissionSetArn: string): Promise<void>;
  /** Pushes the set's current definition to one account's role; poll with provisioningStatus. */
  provisionPermissionSet(permissionSetArn: string, accountId: string): Promise<AssignmentOperation>;
  provisioningStatus(requestId: string): Promise<AssignmentStatusReport>;
  /** AWS managed policies attached to the set (every page); the scorecard's default sensitivity comes from them. */
  listManagedPoliciesInPermissionSet(permissionSetArn: string): Promise<AttachedManagedPolicy[]>;
  listCustomerManagedPolicyReferencesInPermissionSet(
    permissionSetArn: string,
  ): Promise<CustomerManagedPolicyReference[]>;
}

export interface IdentityCenterPortOptions {
  /** Paces every sso-admin, identitystore and organizations request attempt: one ~20 TPS budget for all the portal's AWS calls. */
  limiter?: RateLimiter;
  /** Prebuilt SDK clients, e.g. to share them; by default they are built from the config. */
  clients?: AwsClients;
  /** MaxResults for the inventory's listings (assignments, provisioned accounts, group members); AWS's default when unset. */
  pageSize?: number;
  /** DescribePermissionSet calls in flight while listing permission sets. */
  describeConcurrency?: number;
  /** Told of every port call once it settles (latency and error metrics); must not throw. */
  observeCall?: (call: AwsCallObservation) => void;
}

export interface AwsCallObservation {
  operation: string;
  seconds: number;
  /** Set when the call failed. */
  error?: AwsPortError;
}

export type SdkIdentityCenterPort = IdentityCenterPort & { close(): void };

// ---- SDK implementation ---------------------------------------------------------------------

export function createIdentityCenterPort(
  configInput: AwsPortConfigInput,
  options: IdentityCenterPortOptions = {},
): SdkIdentityCenterPort {
  const config = parseAwsPortConfig(configInput);
  const ownsClients = !options.clients;
  const clients = options.clients ?? createAwsClients(config);
  applyRateLimiter(clients.ssoAdmin, options.limiter ?? NO_RATE_LIMIT);
  applyRateLimiter(clients.identityStore, options.limiter ?? NO_RATE_LIMIT);
  applyRateLimiter(clients.organizations, options.limiter ?? NO_RATE_LIMIT);
  const { ssoAdmin, identityStore, organizations } = clients;
  const { instanceArn, identityStoreId } = config;
  const describeConcurrency = Math.max(1, options.describeConcurrency ?? 4);
  const paging = options.pageSize ? { pageSize: options.pageSize } : {};
  const call = <T>(operation: string, run: () => Promise<T>) => observedCall(operation, run, options.observeCall);
  const collect = <Page, Item>(
    operation: string,
    pages: AsyncIterable<Page>,
    itemsOf: (page: Page) => Item[] | undefined,
  ) => call(operation, () => drain(pages, itemsOf));

  async function findUserId(
    operation: string,
    attributePath: "userName" | "emails.value",
    value: string,
  ): Promise<string | null> {
    if (!value.trim()) return null;
    return call(operation, async () => {
      try {
        const output = await identityStore.send(
          new GetUserIdCommand({
            IdentityStoreId: identityStoreId,
            AlternateIdentifier: { UniqueAttribute: { AttributePath: attributePath, AttributeValue: value } },
          }),
        );
        return output.UserId ?? null;
      } catch (error) {
        if (error instanceof IdentityStoreResourceNotFound) return null;
        throw error;
      }
    });
  }

  async function describePermissionSet(arn: string): Promise<PermissionSetSummary | null> {
    return call("DescribePermissionSet", async () => {
      try {
        const { PermissionSet: set } = await ssoAdmin.send(
          new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn }),
        );
        if (!set) return null;
        const sessionDuration = set.SessionDuration || DEFAULT_SESSION_DURATION;
        return {
          arn: set.PermissionSetArn ?? arn,
          name: set.Name ?? arn,
          ...(set.Description ? { description: set.Description } : {}),
          sessionDuration,
          sessionDurationMinutes: isoDurationToMinutes(sessionDuration),
        };
      } catch (error) {
        // Deleted between the list and the describe: it is simply no longer part of the inventory.
        if (toAwsPortError(error).code === "NOT_FOUND") return null;
        throw error;
      }
    });
  }

  return {
    async listAccounts() {
      const roots = await collect(
        "ListRoots",
        paginateListRoots({ client: organizations, stopOnSameToken: true }, {}),
        (page) => page.Roots,
      );
      const pending = roots.flatMap((root) =>
        root.Id ? [{ parentId: root.Id, ouIds: [root.Id], names: [root.Name || "Root"] }] : [],
      );
      const accounts = new Map<string, OrgAccount>();
      const visited = new Set<string>();
      for (let node = pending.shift(); node; node = pending.shift()) {
        if (visited.has(node.parentId)) continue;
        visited.add(node.parentId);
        const children = await collect(
          "ListAccountsForParent",
          paginateListAccountsForParent({ client: organizations, stopOnSameToken: true }, { ParentId: node.parentId }),
          (page) => page.Accounts,
        );
        for (const account of children) {
          if (!account.Id) continue;
          const status = account.State ?? account.Status;
          accounts.set(account.Id, {
            id: account.Id,
            name: account.Name || account.Id,
            ...(account.Email ? { email: account.Email } : {}),
            ...(status ? { status } : {}),
            ouIds: node.ouIds,
            ouPath: node.names.join("/"),
          });
        }
        const units = await collect(
          "ListOrganizationalUnitsForParent",
          paginateListOrganizationalUnitsForParent(
            { client: organizations, stopOnSameToken: true },
            { ParentId: node.parentId },
          ),
          (page) => page.OrganizationalUnits,
        );
        for (const ou of units) {
          if (ou.Id)
            pending.push({ parentId: ou.Id, ouIds: [...node.ouIds, ou.Id], names: [...node.names, ou.Name || ou.Id] });
        }
      }
      return [...accounts.values()].sort((a, b) => a.ouPath.localeCompare(b.ouPath) || a.name.localeCompare(b.name));
    },

    async listPermissionSets() {
      const arns = await collect(
        "ListPermissionSets",
        paginateListPermissionSets({ client: ssoAdmin, stopOnSameToken: true }, { InstanceArn: instanceArn }),
        (page) => page.PermissionSets,
      );
      const described = await mapWithConcurrency(arns, describeConcurrency, describePermissionSet);
      return described
        .filter((set): set is PermissionSetSummary => set !== null)
        .sort((a, b) => a.name.localeCompare(b.name));
    },

    listPermissionSetArnsProvisionedToAccount: (accountId) =>
      collect(
        "ListPermissionSetsProvisionedToAccount",
        paginateListPermissionSetsProvisionedToAccount(
          { client: ssoAdmin, stopOnSameToken: true },
          { InstanceArn: instanceArn, AccountId: accountId },
        ),
        (page) => page.PermissionSets,
      ),

    listAccountsForProvisionedPermissionSet: async (permissionSetArn, status) =>
      collect(
        "ListAccountsForProvisionedPermissionSet",
        paginateListAccountsForProvisionedPermissionSet(
          { client: ssoAdmin, stopOnSameToken: true, ...paging },
          {
            InstanceArn: instanceArn,
            PermissionSetArn: validPermissionSetArn(permissionSetArn, "ListAccountsForProvisionedPermissionSet"),
            ...(status ? { ProvisioningStatus: status } : {}),
          },
        ),
        (page) => page.AccountIds,
      ),

    findUserIdByUserName: (userName) => findUserId("GetUserId", "userName", userName),
    findUserIdByEmail: (email) => findUserId("GetUserId", "emails.value", email),

    describeUser: (userId) =>
      call("DescribeUser", async () => {
        try {
          const user = await identityStore.send(
            new DescribeUserCommand({ IdentityStoreId: identityStoreId, UserId: userId }),
          );
          const email = user.Emails?.find((e) => e.Primary)?.Value ?? user.Emails?.[0]?.Value;
          return {
            id: user.UserId ?? userId,
            ...definedFields({
              userName: user.UserName,
              displayName: user.DisplayName,
              email,
              givenName: user.Name?.GivenName,
              familyName: user.Name?.FamilyName,
              status: user.UserStatus,
            }),
          };
        } catch (error) {
          if (error instanceof IdentityStoreResourceNotFound) return null;
          throw error;
        }
      }),

    async listGroups() {
      const groups = await collect(
        "ListGroups",
        paginateListGroups({ client: identityStore, stopOnSameToken: true }, { IdentityStoreId: identityStoreId }),
        (page) => page.Groups,
      );
      return groups.flatMap((group) =>
        group.GroupId
          ? [
              {
                id: group.GroupId,
                displayName: group.DisplayName ?? group.GroupId,
                ...(group.Description ? { description: group.Description } : {}),
              },
            ]
          : [],
      );
    },

    async listUsers() {
      const users = await collect(
        "ListUsers",
        paginateListUsers({ client: identityStore, stopOnSameToken: true }, { IdentityStoreId: identityStoreId }),
        (page) => page.Users,
      );
      return users.flatMap((user) =>
        user.UserId
          ? [
              {
                id: user.UserId,
                ...definedFields({
                  userName: user.UserName,
                  displayName: user.DisplayName,
                  email: user.Emails?.find((e) => e.Primary)?.Value ?? user.Emails?.[0]?.Value,
                  status: user.UserStatus,
                }),
              },
            ]
          : [],
      );
    },

    async listGroupIdsForUser(userId) {
      const memberships = await collect(
        "ListGroupMembershipsForMember",
        paginateListGroupMembershipsForMember(
          { client: identityStore, stopOnSameToken: true },
          { IdentityStoreId: identityStoreId, MemberId: { UserId: userId } },
        ),
        (page) => page.GroupMemberships,
      );
      return memberships.flatMap((membership) => (membership.GroupId ? [membership.GroupId] : []));
    },

    describeGroup: (groupId) =>
      call("DescribeGroup", async () => {
        try {
          const group = await identityStore.send(
            new DescribeGroupCommand({ IdentityStoreId: identityStoreId, GroupId: groupId }),
          );
          return {
            id: group.GroupId ?? groupId,
            displayName: group.DisplayName ?? group.GroupId ?? groupId,
            ...(group.Description ? { description: group.Description } : {}),
          };
        } catch (error) {
          if (error instanceof IdentityStoreResourceNotFound) return null;
          throw error;
        }
      }),

    async countGroupMembers(groupId) {
      const memberships = await collect(
        "ListGroupMemberships",
        paginateListGroupMemberships(
          { client: identityStore, stopOnSameToken: true, ...paging },
          { IdentityStoreId: identityStoreId, GroupId: groupId },
        ),
        (page) => page.GroupMemberships,
      );
      return memberships.length;
    },

    findGroupIdByDisplayName: (displayName) =>
      call("GetGroupId", async () => {
        try {
          const output = await identityStore.send(
            new GetGroupIdCommand({
              IdentityStoreId: identityStoreId,
              AlternateIdentifier: { UniqueAttribute: { AttributePath: "displayName", AttributeValue: displayName } },
            }),
          );
          return output.GroupId ?? null;
        } catch (error) {
          if (error instanceof IdentityStoreResourceNotFound) return null;
          throw error;
        }
      }),

    async listGroupMemberIds(groupId) {
      try {
        const memberships = await collect(
          "ListGroupMemberships",
          paginateListGroupMemberships(
            { client: identityStore, stopOnSameToken: true, ...paging },
            { IdentityStoreId: identityStoreId, GroupId: groupId },
          ),
          (page) => page.GroupMemberships,
        );
        return memberships.flatMap((membership) => (membership.MemberId?.UserId ? [membership.MemberId.UserId] : []));
      } catch (error) {
        if (error instanceof AwsPortError && error.code === "NOT_FOUND") return null;
        throw error;
      }
    },

    addGroupMember: (groupId, userId) =>
      call("CreateGroupMembership", async (): Promise<AddGroupMemberResult> => {
        try {
          const output = await identityStore.send(
            new CreateGroupMembershipCommand({
              IdentityStoreId: identityStoreId,
              GroupId: groupId,
              MemberId: { UserId: userId },
            }),
          );
          if (!output.MembershipId) throw new Error("CreateGroupMembership returned no MembershipId");
          return { status: "CREATED", membershipId: output.MembershipId };
        } catch (error) {
          if (error instanceof IdentityStoreConflict && error.Reason === "UNIQUENESS_CONSTRAINT_VIOLATION")
            return { status: "ALREADY_MEMBER" };
          if (error instanceof IdentityStoreResourceNotFound && error.ResourceType === "GROUP")
            return { status: "GROUP_NOT_FOUND" };
          throw error;
        }
      }),

    removeGroupMember: (membershipId) =>
      call("DeleteGroupMembership", async () => {
        try {
          await identityStore.send(
            new DeleteGroupMembershipCommand({ IdentityStoreId: identityStoreId, MembershipId: membershipId }),
          );
          return "REMOVED" as const;
        } catch (error) {
          if (error instanceof IdentityStoreResourceNotFound) return "ALREADY_ABSENT" as const;
          throw error;
        }
      }),

    findGroupMembership: (groupId, userId) =>
      call("GetGroupMembershipId", async (): Promise<GroupMembershipLookup> => {
        try {
          const output = await identityStore.send(
            new GetGroupMembershipIdCommand({
              IdentityStoreId: identityStoreId,
              GroupId: groupId,
              MemberId: { UserId: userId },
            }),
          );
          return output.MembershipId
            ? { status: "MEMBER", membershipId: output.MembershipId }
            : { status: "NOT_MEMBER" };
        } catch (error) {
          if (error instanceof IdentityStoreResourceNotFound)
            return error.ResourceType === "GROUP" ? { status: "GROUP_NOT_FOUND" } : { status: "NOT_MEMBER" };
          throw error;
        }
      }),

    isMemberInGroup: (groupId, userId) =>
      call("IsMemberInGroups", async () => {
        const output = await identityStore.send(
          new IsMemberInGroupsCommand({
            IdentityStoreId: identityStoreId,
            MemberId: { UserId: userId },
            GroupIds: [groupId],
          }),
        );
        return (
          output.Results?.some((result) => result.GroupId === groupId && result.MembershipExists === true) ?? false
        );
      }),

    async listAssignments({ accountId, permissionSetArn }) {
      const assignments = await collect(
        "ListAccountAssignments",
        paginateListAccountAssignments(
          { client: ssoAdmin, stopOnSameToken: true, ...paging },
          { InstanceArn: instanceArn, AccountId: accountId, PermissionSetArn: permissionSetArn },
        ),
        (page) => page.AccountAssignments,
      );
      return assignments.flatMap((a) =>
        a.PrincipalId && isPrincipalType(a.PrincipalType)
          ? [{ principalType: a.PrincipalType, principalId: a.PrincipalId }]
          : [],
      );
    },

    async listAssignmentsForPrincipal(userId, filter, principalType = "USER") {
      const assignments = await collect(
        "ListAccountAssignmentsForPrincipal",
        paginateListAccountAssignmentsForPrincipal(
          { client: ssoAdmin, stopOnSameToken: true },
          {
            InstanceArn: instanceArn,
            PrincipalId: userId,
            PrincipalType: principalType,
            ...(filter?.accountId ? { Filter: { AccountId: filter.accountId } } : {}),
          },
        ),
        (page) => page.AccountAssignments,
      );
      return assignments.flatMap((a) =>
        a.AccountId && a.PermissionSetArn && a.PrincipalId && isPrincipalType(a.PrincipalType)
          ? [
              {
                accountId: a.AccountId,
                permissionSetArn: a.PermissionSetArn,
                principalType: a.PrincipalType,
                principalId: a.PrincipalId,
              },
            ]
          : [],
      );
    },

    assign: (tuple) =>
      call("CreateAccountAssignment", async () => {
        const valid = validateTuple(tuple, "CreateAccountAssignment");
        const output = await ssoAdmin.send(
          new CreateAccountAssignmentCommand({
            InstanceArn: instanceArn,
            TargetType: "AWS_ACCOUNT",
            ...toAssignmentInput(valid),
          }),
        );
        return toOperation(output.AccountAssignmentCreationStatus, "CreateAccountAssignment");
      }),

    unassign: (tuple) =>
      call("DeleteAccountAssignment", async () => {
        const valid = validateTuple(tuple, "DeleteAccountAssignment");
        try {
          const output = await ssoAdmin.send(
            new DeleteAccountAssignmentCommand({
              InstanceArn: instanceArn,
              TargetType: "AWS_ACCOUNT",
              ...toAssignmentInput(valid),
            }),
          );
          return toOperation(output.AccountAssignmentDeletionStatus, "DeleteAccountAssignment");
        } catch (error) {
          // AWS answers a delete of a missing assignment with ResourceNotFound: there is nothing to remove.
          if (toAwsPortError(error).code === "NOT_FOUND") return { status: "ALREADY_ABSENT" } as const;
          throw error;
        }
      }),

    creationStatus: (requestId) =>
      call("DescribeAccountAssignmentCreationStatus", async () => {
        const output = await ssoAdmin.send(
          new DescribeAccountAssignmentCreationStatusCommand({
            InstanceArn: instanceArn,
            AccountAssignmentCreationRequestId: requestId,
          }),
        );
        return toStatusReport(output.AccountAssignmentCreationStatus, "DescribeAccountAssignmentCreationStatus");
      }),

    deletionStatus: (requestId) =>
      call("DescribeAccountAssignmentDeletionStatus", async () => {
        const output = await ssoAdmin.send(
          new DescribeAccountAssignmentDeletionStatusCommand({
            InstanceArn: instanceArn,
            AccountAssignmentDeletionRequestId: requestId,
          }),
        );
        return toStatusReport(output.AccountAssignmentDeletionStatus, "DescribeAccountAssignmentDeletionStatus");
      }),

    listDeletionStatuses: async (status) =>
      (
        await collect(
          "ListAccountAssignmentDeletionStatus",
          paginateListAccountAssignmentDeletionStatus(
            { client: ssoAdmin, stopOnSameToken: true },
            { InstanceArn: instanceArn, Filter: { Status: status }, MaxResults: STATUS_PAGE_SIZE },
          ),
          (page) => page.AccountAssignmentsDeletionStatus,
        )
      ).flatMap((item) =>
        item.RequestId
          ? [
              {
                requestId: item.RequestId,
                status: toOperationStatus(item.Status, "ListAccountAssignmentDeletionStatus"),
              },
            ]
          : [],
      ),

    describePermissionSet: (permissionSetArn) => describePermissionSet(validPermissionSetArn(permissionSetArn)),

    getInlinePolicy: (permissionSetArn) =>
      call("GetInlinePolicyForPermissionSet", async () => {
        const output = await ssoAdmin.send(
          new GetInlinePolicyForPermissionSetCommand({
            InstanceArn: instanceArn,
            PermissionSetArn: validPermissionSetArn(permissionSetArn, "GetInlinePolicyForPermissionSet"),
          }),
        );
        return output.InlinePolicy ? output.InlinePolicy : null;
      }),

    putInlinePolicy: (permissionSetArn, policy) =>
      call("PutInlinePolicyToPermissionSet", async () => {
        await ssoAdmin.send(
          new PutInlinePolicyToPermissionSetCommand({
            InstanceArn: instanceArn,
            PermissionSetArn: validPermissionSetArn(permissionSetArn, "PutInlinePolicyToPermissionSet"),
            InlinePolicy: policy,
          }),
        );
      }),

    deleteInlinePolicy: (permissionSetArn) =>
      call("DeleteInlinePolicyFromPermissionSet", async () => {
        await ssoAdmin.send(
          new DeleteInlinePolicyFromPermissionSetCommand({
            InstanceArn: instanceArn,
            PermissionSetArn: validPermissionSetArn(permissionSetArn, "DeleteInlinePolicyFromPermissionSet"),
          }),
        );
      }),

    provisionPermissionSet: (permissionSetArn, accountId) =>
      call("ProvisionPermissionSet", async () => {
        if (!ACCOUNT_ID.test(accountId))
          throw new AwsPortError({
            code: "VALIDATION",
            operation: "ProvisionPermissionSet",
            message: "ProvisionPermissionSet: the account id is malformed.",
          });
        const output = await ssoAdmin.send(
          new ProvisionPermissionSetCommand({
            InstanceArn: instanceArn,
            PermissionSetArn: validPermissionSetArn(permissionSetArn, "ProvisionPermissionSet"),
            TargetType: "AWS_ACCOUNT",
            TargetId: accountId,
          }),
        );
        return toOperation(output.PermissionSetProvisioningStatus, "ProvisionPermissionSet");
      }),

    provisioningStatus: (requestId) =>
      call("DescribePermissionSetProvisioningStatus", async () => {
        const output = await ssoAdmin.send(
          new DescribePermissionSetProvisioningStatusCommand({
            InstanceArn: instanceArn,
            ProvisionPermissionSetRequestId: requestId,
          }),
        );
        return toStatusReport(output.PermissionSetProvisioningStatus, "DescribePermissionSetProvisioningStatus");
      }),

    async listManagedPoliciesInPermissionSet(permissionSetArn) {
      const policies = await collect(
        "ListManagedPoliciesInPermissionSet",
        paginateListManagedPoliciesInPermissionSet(
          { client: ssoAdmin, stopOnSameToken: true, ...paging },
          {
            InstanceArn: instanceArn,
            PermissionSetArn: validPermissionSetArn(permissionSetArn, "ListManagedPoliciesInPermissionSet"),
          },
        ),
        (page) => page.AttachedManagedPolicies,
      );
      return policies.flatMap((policy) =>
        policy.Arn ? [{ arn: policy.Arn, name: policy.Name ?? policy.Arn.slice(policy.Arn.lastIndexOf("/") + 1) }] : [],
      );
    },

    async listCustomerManagedPolicyReferencesInPermissionSet(permissionSetArn) {
      const references = await collect(
        "ListCustomerManagedPolicyReferencesInPermissionSet",
        paginateListCustomerManagedPolicyReferencesInPermissionSet(
          { client: ssoAdmin, stopOnSameToken: true, ...paging },
          {
            InstanceArn: instanceArn,
            PermissionSetArn: validPermissionSetArn(
              permissionSetArn,
              "ListCustomerManagedPolicyReferencesInPermissionSet",
            ),
          },
        ),
        (page) => page.CustomerManagedPolicyReferences,
      );
      return references.flatMap((reference) =>
        reference.Name ? [{ name: reference.Name, path: reference.Path ?? "/" }] : [],
      );
    },

    close: () => {
      if (ownsClients) destroyAwsClients(clients);
    },
  };
}

// ---- helpers --------------------------------------------------------------------------------

export async function observedCall<T>(
  operation: string,
  run: () => Promise<T>,
  observe: ((call: AwsCallObservation) => void) | undefined,
): Promise<T> {
  const started = performance.now();
  try {
    const result = await run();
    observe?.({ operation, seconds: (performance.now() - started) / 1000 });
    return result;
  } catch (error) {
    const portError = toAwsPortError(error, operation);
    observe?.({ operation, seconds: (performance.now() - started) / 1000, error: portError });
    throw portError;
  }
}

/** Drains a paginator (empty pages that still carry a token included) into one list. */
async function drain<Page, Item>(pages: AsyncIterable<Page>, itemsOf: (page: Page) => Item[] | undefined) {
  const items: Item[] = [];
  for await (const page of pages) items.push(...(itemsOf(page) ?? []));
  return items;
}

const RATE_LIMITER_MIDDLEWARE = "portRateLimiterMiddleware";

/** Waits for a token on every attempt, retries included: AWS counts each one against the budget. */
export function applyRateLimiter(
  client: SSOAdminClient | IdentitystoreClient | OrganizationsClient | STSClient | IAMClient,
  limiter: RateLimiter,
) {
  if (limiter === NO_RATE_LIMIT) return;
  client.middlewareStack.remove(RATE_LIMITER_MIDDLEWARE);
  const waitForToken =
    <Args, Result>(next: (args: Args) => Promise<Result>) =>
    async (args: Args): Promise<Result> => {
      await limiter.acquire();
      return next(args);
    };
  client.middlewareStack.addRelativeTo(
    waitForToken,
    // After the retry middleware (so inside each attempt) and before signing (so the signature is fresh).
    { relation: "after", toMiddleware: "retryMiddleware", name: RATE_LIMITER_MIDDLEWARE, override: true },
  );
}

function validateTuple(tuple: AssignmentTuple, operation: string): AssignmentTuple {
  const parsed = AssignmentTuple.safeParse(tuple);
  if (parsed.success) return parsed.data;
  const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join(".")))].join(", ");
  throw new AwsPortError({
    code: "VALIDATION",
    operation,
    message: `${operation}: the assignment is malformed (${fields}).`,
    detail: z.prettifyError(parsed.error),
  });
}

export function validPermissionSetArn(arn: string, operation = "DescribePermissionSet"): string {
  if (PERMISSION_SET_ARN.test(arn)) return arn;
  throw new AwsPortError({
    code: "VALIDATION",
    operation,
    message: `${operation}: the permission set ARN is malformed.`,
  });
}

function toAssignmentInput(tuple: AssignmentTuple) {
  return {
    TargetId: tuple.accountId,
    PermissionSetArn: tuple.permissionSetArn,
    PrincipalType: tuple.principalType,
    PrincipalId: tuple.principalId,
  };
}

function isPrincipalType(value: unknown): value is PrincipalType {
  return value === "USER" || value === "GROUP";
}

function toOperationStatus(value: unknown, operation: string): AssignmentOperationStatus {
  if (value === "IN_PROGRESS" || value === "SUCCEEDED" || value === "FAILED") return value;
  throw new AwsPortError({
    code: "UNKNOWN",
    operation,
    detail: `unexpected assignment status ${JSON.stringify(value)}`,
  });
}

type OperationStatusShape = AccountAssignmentOperationStatus | PermissionSetProvisioningStatus;

function toOperation(status: OperationStatusShape | undefined, operation: string): AssignmentOperation {
  if (!status?.RequestId)
    throw new AwsPortError({ code: "UNKNOWN", operation, detail: "the response carried no RequestId to track" });
  return {
    requestId: status.RequestId,
    status: toOperationStatus(status.Status, operation),
    ...(status.FailureReason ? { failureReason: status.FailureReason } : {}),
  };
}

function toStatusReport(status: OperationStatusShape | undefined, operation: string): AssignmentStatusReport {
  if (!status) throw new AwsPortError({ code: "UNKNOWN", operation, detail: "the response carried no status" });
  return {
    status: toOperationStatus(status.Status, operation),
    ...(status.FailureReason ? { failureReason: status.FailureReason } : {}),
    ...(status.CreatedDate ? { createdAt: status.CreatedDate } : {}),
  };
}

function definedFields<T extends Record<string, unknown>>(
  fields: T,
): Partial<{ [K in keyof T]: Exclude<T[K], undefined> }> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<{
    [K in keyof T]: Exclude<T[K], undefined>;
  }>;
}

/** Runs `map` over the items with at most `limit` in flight, keeping their order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) results[index] = await map(items[index] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
