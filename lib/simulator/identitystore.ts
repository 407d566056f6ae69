// identitystore (AWSIdentityStore): users and groups (read-only) and group memberships (read and write).
import { randomUUID } from "node:crypto";
import { epochSeconds, type OperationDefinition, type ServiceDefinition, type SimulatorContext } from "./context";
import { notAuthorizedMessage } from "./caller";
import {
  accessDenied,
  conflict,
  internalServerError,
  resourceNotFound,
  throttling,
  unknownOperation,
  validationError,
} from "./errors";
import type { SeedGroup, SeedUser } from "./seed";
import {
  coralValidationMessage,
  document,
  integer,
  list,
  PATTERNS,
  required,
  string,
  structure,
  union,
  type Input,
} from "./validation";

const identityStoreId = required(string({ pattern: PATTERNS.identityStoreId, minLength: 1, maxLength: 36 }));
const resourceId = string({ pattern: PATTERNS.principalId, minLength: 1, maxLength: 47 });
const paging = {
  MaxResults: integer({ min: 1, max: 100 }),
  NextToken: string({ pattern: PATTERNS.identityStoreToken, minLength: 1, maxLength: 65535 }),
};
const alternateIdentifier = required(
  union({
    ExternalId: structure({
      Issuer: required(string({ minLength: 1, maxLength: 100 })),
      Id: required(string({ minLength: 1, maxLength: 256 })),
    }),
    UniqueAttribute: structure({
      AttributePath: required(string({ pattern: PATTERNS.attributePath, minLength: 1, maxLength: 255 })),
      AttributeValue: required(document()),
    }),
  }),
);
const memberId = required(union({ UserId: resourceId }));
const filters = list(
  structure({
    AttributePath: required(string({ pattern: PATTERNS.attributePath, minLength: 1, maxLength: 255 })),
    AttributeValue: required(string({ minLength: 1, maxLength: 1024 })),
  }),
  {
    minLength: 0,
    maxLength: 1,
  },
);
const extensions = list(string({ minLength: 1, maxLength: 50, pattern: "aws:identitystore:[a-z]{1,20}" }), {
  minLength: 1,
  maxLength: 10,
});

const ENTERPRISE_EXTENSION = "aws:identitystore:enterprise";
const DEFAULT_PAGE_SIZE = 100;
const DEPARTMENTS: Record<string, string> = {
  alice: "Payments",
  erin: "Data Platform",
  bob: "Payments",
  carol: "Security",
  dave: "Platform",
};

function requireStore(ctx: SimulatorContext, id: unknown) {
  if (id !== ctx.seed.identityStoreId) {
    throw resourceNotFound(`IdentityStore not present for IdentityStoreId: ${String(id)}`, {
      ResourceType: "IDENTITY_STORE",
      ResourceId: id,
    });
  }
}

function requireUser(ctx: SimulatorContext, userId: string): SeedUser {
  const user = ctx.seed.users.find((candidate) => candidate.userId === userId);
  if (!user) throw resourceNotFound("User not found", { ResourceType: "USER", ResourceId: userId });
  return user;
}

const liveGroups = (ctx: SimulatorContext) =>
  ctx.seed.groups.filter((group) => !ctx.state.deletedGroupIds.has(group.groupId));

function requireGroup(ctx: SimulatorContext, groupId: string): SeedGroup {
  const group = liveGroups(ctx).find((candidate) => candidate.groupId === groupId);
  if (!group) throw resourceNotFound("Group not found", { ResourceType: "GROUP", ResourceId: groupId });
  return group;
}

// AD-sync identity sources do not serve these operations at all.
function assertNotAdSync(ctx: SimulatorContext) {
  if (ctx.config().identitySource === "ad-sync") throw unknownOperation();
}

function requestedExtensions(input: Input): string[] | undefined {
  const names = input.Extensions as string[] | undefined;
  if (!names) return undefined;
  const unsupported = names.find((name) => name !== ENTERPRISE_EXTENSION);
  if (unsupported)
    throw validationError(`Extension ${unsupported} is not supported. Supported extensions: ${ENTERPRISE_EXTENSION}`);
  return names;
}

function userShape(ctx: SimulatorContext, user: SeedUser, extensionNames?: string[]) {
  return {
    IdentityStoreId: ctx.seed.identityStoreId,
    UserId: user.userId,
    UserName: user.userName,
    ExternalIds: [{ Issuer: ctx.seed.externalIdIssuer, Id: user.externalId }],
    Name: { Formatted: user.displayName, GivenName: user.givenName, FamilyName: user.familyName },
    DisplayName: user.displayName,
    Emails: [{ Value: user.email, Type: "work", Primary: true }],
    Locale: "en-US",
    UserStatus: "ENABLED",
    CreatedAt: epochSeconds(user.createdAtMs),
    UpdatedAt: epochSeconds(user.createdAtMs),
    ...(extensionNames?.length
      ? {
          Extensions: {
            [ENTERPRISE_EXTENSION]: {
              employeeNumber: user.externalId.slice(-6),
              department: DEPARTMENTS[user.key] ?? "Engineering",
            },
          },
        }
      : {}),
  };
}

function groupShape(ctx: SimulatorContext, group: SeedGroup) {
  return {
    GroupId: group.groupId,
    DisplayName: group.displayName,
    Description: group.description,
    CreatedAt: epochSeconds(group.createdAtMs),
    UpdatedAt: epochSeconds(group.createdAtMs),
    IdentityStoreId: ctx.seed.identityStoreId,
  };
}

function membershipShape(ctx: SimulatorContext, membership: { membershipId: string; groupId: string; userId: string }) {
  return {
    IdentityStoreId: ctx.seed.identityStoreId,
    MembershipId: membership.membershipId,
    GroupId: membership.groupId,
    MemberId: { UserId: membership.userId },
  };
}

function page<T>(ctx: SimulatorContext, operation: string, input: Input, items: readonly T[]) {
  return ctx.tokens.paginate(items, {
    operation,
    input,
    defaultPageSize: DEFAULT_PAGE_SIZE,
    invalidToken: () => validationError("The specified pagination token is invalid or expired."),
  });
}

function withToken<T extends object>(body: T, nextToken: string | undefined) {
  return nextToken ? { ...body, NextToken: nextToken } : body;
}

type AlternateIdentifier = {
  ExternalId?: { Issuer: string; Id: string };
  UniqueAttribute?: { AttributePath: string; AttributeValue: unknown };
};

function uniqueAttributeValue(attribute: { AttributePath: string; AttributeValue: unknown }): string {
  const value = attribute.AttributeValue;
  if (typeof value !== "string" || value.trim() === "")
    throw validationError(`attribute value cannot be empty or null for attribute path ${attribute.AttributePath}`);
  return value;
}

const notUniqueAttribute = (path: string) => validationError(`The attribute ${path} is not a unique attribute`);

function filterValue(input: Input, allowedPath: string): string | undefined {
  const [filter] = (input.Filters as { AttributePath: string; AttributeValue: string }[] | undefined) ?? [];
  if (!filter) return undefined;
  if (filter.AttributePath.toLowerCase() !== allowedPath.toLowerCase())
    throw validationError(
      `Filtering on attribute ${filter.AttributePath} is not supported. Supported attribute: ${allowedPath}`,
    );
  return filter.AttributeValue;
}

const operations: Record<string, OperationDefinition> = {
  GetUserId: {
    input: structure({ IdentityStoreId: identityStoreId, AlternateIdentifier: alternateIdentifier }),
    handle(input, ctx) {
      requireStore(ctx, input.IdentityStoreId);
      const identifier = input.AlternateIdentifier as AlternateIdentifier;
      let user: SeedUser | undefined;
      if (identifier.ExternalId) {
        const { Issuer, Id } = identifier.ExternalId;
        user =
          Issuer === ctx.seed.externalIdIssuer
            ? ctx.seed.users.find((candidate) => candidate.externalId === Id)
            : undefined;
      } else if (identifier.UniqueAttribute) {
        const path = identifier.UniqueAttribute.AttributePath.toLowerCase();
        if (path !== "username" && path !== "emails.value")
          throw notUniqueAttribute(identifier.UniqueAttribute.AttributePath);
        const value = uniqueAttributeValue(identifier.UniqueAttribute).toLowerCase();
        user = ctx.seed.users.find(
          (candidate) => (path === "username" ? candidate.userName : candidate.email).toLowerCase() === value,
        );
      }
      if (!user) throw resourceNotFound("User not found", { ResourceType: "USER" });
      return { IdentityStoreId: ctx.seed.identityStoreId, UserId: user.userId };
    },
  },
  GetGroupId: {
    input: structure({ IdentityStoreId: identityStoreId, AlternateIdentifier: alternateIdentifier }),
    handle(input, ctx) {
      requireStore(ctx, input.IdentityStoreId);
      const identifier = input.AlternateIdentifier as AlternateIdentifier;
      let group: SeedGroup | undefined;
      if (identifier.UniqueAttribute) {
        assertNotAdSync(ctx);
        if (identifier.UniqueAttribute.AttributePath.toLowerCase() !== "displayname")
          throw notUniqueAttribute(identifier.UniqueAttribute.AttributePath);
        const value = uniqueAttributeValue(identifier.UniqueAttribute).toLowerCase();
        group = liveGroups(ctx).find((candidate) => candidate.displayName.toLowerCase() === value);
      }
      // Seeded groups carry no external ids, so an ExternalId lookup never matches.
      if (!group) throw resourceNotFound("Group not found", { ResourceType: "GROUP" });
      return { GroupId: group.groupId, IdentityStoreId: ctx.seed.identityStoreId };
    },
  },
  DescribeUser: {
    input: structure({ IdentityStoreId: identityStoreId, UserId: required(resourceId), Extensions: extensions }),
    handle(input, ctx) {
      requireStore(ctx, input.IdentityStoreId);
      const names = requestedExtensions(input);
      return userShape(ctx, requireUser(ctx, input.UserId as string), names);
    },
  },
  DescribeGroup: {
    input: structure({ IdentityStoreId: identityStoreId, GroupId: required(resourceId) }),
    handle(input, ctx) {
      requireStore(ctx, input.IdentityStoreId);
      return groupShape(ctx, requireGroup(ctx, input.GroupId as string));
    },
  },
  ListUsers: {
    input: structure({ IdentityStoreId: identityStoreId, Extensions: extensions, Filters: filters, ...paging }),
    handle(input, ctx) {
      requireStore(ctx, input.IdentityStoreId);
      const names = requestedExtensions(input);
      const userName = filterValue(input, "UserName")?.toLowerCase();
      const users = ctx.seed.users.filter((user) => userName === undefined || user.userName.toLowerCase() === userName);
      const result = page(ctx, "ListUsers", input, users);
      return withToken({ Users: result.items.map((user) => userShape(ctx, user, names)) }, result.nextToken);
    },
  },
  ListGroups: {
    input: structure({ IdentityStoreId: identityStoreId, Filters: filters, ...paging }),
    handle(input, ctx) {
      requireStore(ctx, input.IdentityStoreId);
      const displayName = filterValue(input, "DisplayName")?.toLowerCase();
      const groups = liveGroups(ctx).filter(
        (group) => displayName === undefined || group.displayName.toLowerCase() === displayName,
      );
      const result = page(ctx, "ListGroups", input, groups);
      return withToken({ Groups: result.items.map((group) => groupShape(ctx, group)) }, result.nextToken);
    },
  },
  ListGroupMemberships: {
    input: structure({ IdentityStoreId: identityStoreId, GroupId: required(resourceId), ...paging }),
    handle(input, ctx) {
      assertNotAdSync(ctx);
      requireStore(ctx, input.IdentityStoreId);
      const group = requireGroup(ctx, input.GroupId as string);
      const memberships = [...ctx.state.groupMemberships.values()].filter(
        (membership) => membership.groupId === group.groupId,
      );
      const result = page(ctx, "ListGroupMemberships", input, memberships);
      return withToken(
        { GroupMemberships: result.items.map((membership) => membershipShape(ctx, membership)) },
        result.nextToken,
      );
    },
  },
  ListGroupMembershipsForMember: {
    input: structure({ IdentityStoreId: identityStoreId, MemberId: memberId, ...paging }),
    handle(input, ctx) {
      assertNotAdSync(ctx);
      requireStore(ctx, input.IdentityStoreId);
      const user = requireUser(ctx, (input.MemberId as { UserId: string }).UserId);
      const memberships = [...ctx.state.groupMemberships.values()].filter(
        (membership) => membership.userId === user.userId && !ctx.state.deletedGroupIds.has(membership.groupId),
      );
      const result = page(ctx, "ListGroupMembershipsForMember", input, memberships);
      return withToken(
        { GroupMemberships: result.items.map((membership) => membershipShape(ctx, membership)) },
        result.nextToken,
      );
    },
  },
  IsMemberInGroups: {
    input: structure({
      IdentityStoreId: identityStoreId,
      MemberId: memberId,
      GroupIds: required(list(resourceId, { minLength: 1, maxLength: 100 })),
    }),
    handle(input, ctx) {
      requireStore(ctx, input.IdentityStoreId);
      const user = requireUser(ctx, (input.MemberId as { UserId: string }).UserId);
      const results = (input.GroupIds as string[]).map((groupId) => ({
        GroupId: groupId,
        MemberId: { UserId: user.userId },
        MembershipExists: !ctx.state.deletedGroupIds.has(groupId) && !!ctx.state.membershipOf(groupId, user.userId),
      }));
      return { Results: results };
    },
  },
  GetGroupMembershipId: {
    input: structure({ IdentityStoreId: identityStoreId, GroupId: required(resourceId), MemberId: memberId }),
    handle(input, ctx) {
      requireStore(ctx, input.IdentityStoreId);
      const group = requireGroup(ctx, input.GroupId as string);
      const userId = (input.MemberId as { UserId: string }).UserId;
      const membership = ctx.state.membershipOf(group.groupId, userId);
      if (!membership) throw resourceNotFound("GroupMembership not found", { ResourceType: "GROUP_MEMBERSHIP" });
      return { MembershipId: membership.membershipId, IdentityStoreId: ctx.seed.identityStoreId };
    },
  },
  CreateGroupMembership: {
    input: structure({ IdentityStoreId: identityStoreId, GroupId: required(resourceId), MemberId: memberId }),
    handle(input, ctx) {
      requireStore(ctx, input.IdentityStoreId);
      const group = requireGroup(ctx, input.GroupId as string);
      const user = requireUser(ctx, (input.MemberId as { UserId: string }).UserId);
      if (ctx.state.membershipOf(group.groupId, user.userId))
        throw conflict("Member and Group relationship already exists.", { Reason: "UNIQUENESS_CONSTRAINT_VIOLATION" });
      const membershipId = `${ctx.seed.identityStoreId.slice(2)}-${randomUUID()}`;
      ctx.state.groupMemberships.set(membershipId, {
        membershipId,
        groupId: group.groupId,
        userId: user.userId,
        origin: "api",
        createdAtMs: ctx.now(),
      });
      ctx.changed();
      return { MembershipId: membershipId, IdentityStoreId: ctx.seed.identityStoreId };
    },
  },
  DeleteGroupMembership: {
    input: structure({ IdentityStoreId: identityStoreId, MembershipId: required(resourceId) }),
    handle(input, ctx) {
      requireStore(ctx, input.IdentityStoreId);
      const membershipId = input.MembershipId as string;
      if (!ctx.state.groupMemberships.delete(membershipId))
        throw resourceNotFound("GroupMembership not found", {
          ResourceType: "GROUP_MEMBERSHIP",
          ResourceId: membershipId,
        });
      ctx.changed();
      return {};
    },
  },
};

export const identityStoreService: ServiceDefinition = {
  service: "identitystore",
  targetPrefix: "AWSIdentityStore",
  signingName: "identitystore",
  operations,
  validationError: (violations) => validationError(coralValidationMessage(violations)),
  throttlingError: (config) => throttling(config.retryAfterSeconds, config.throttleHttpStatus),
  internalError: internalServerError,
  accessDeniedError(operation, ctx) {
    const storeArn = `arn:aws:identitystore::${ctx.seed.organization.managementAccountId}:identitystore/${ctx.seed.identityStoreId}`;
    return accessDenied(notAuthorizedMessage(ctx.config(), ctx.seed, `identitystore:${operation}`, storeArn));
  },
  authorize(operation, ctx) {
    if (ctx.config().callerMode === "member") throw identityStoreService.accessDeniedError(operation, ctx);
  },
};
