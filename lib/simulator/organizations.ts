// organizations (AWSOrganizationsV20161128): the read-only slice a JIT portal needs.
import { epochSeconds, type OperationDefinition, type ServiceDefinition, type SimulatorContext } from "./context";
import {
  organizationsAccessDenied,
  organizationsInvalidInput,
  organizationsServiceException,
  organizationsTooManyRequests,
  ServiceError,
} from "./errors";
import type { SeedAccount, SeedOrganizationalUnit } from "./seed";
import {
  coralValidationMessage,
  integer,
  organizationsReason,
  PATTERNS,
  required,
  string,
  structure,
  type Input,
} from "./validation";

const paging = {
  NextToken: string({ pattern: PATTERNS.organizationsToken, maxLength: 100_000 }),
  MaxResults: integer({ min: 1, max: 20 }),
};
const parentId = required(string({ pattern: PATTERNS.organizationsParentId, maxLength: 100 }));
const DEFAULT_PAGE_SIZE = 20;
const SCP_ENABLED = [{ Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" }];

const accountNotFound = () =>
  new ServiceError("AccountNotFoundException", "You specified an account that doesn't exist.");
const parentNotFound = () =>
  new ServiceError("ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.");
const childNotFound = () =>
  new ServiceError(
    "ChildNotFoundException",
    "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
  );
const ouNotFound = () =>
  new ServiceError(
    "OrganizationalUnitNotFoundException",
    "We can't find an OU with the OrganizationalUnitId that you specified.",
  );

function requireParent(ctx: SimulatorContext, id: string) {
  if (id !== ctx.seed.organization.rootId && !ctx.seed.organizationalUnits.some((unit) => unit.id === id))
    throw parentNotFound();
}

// "o-x/r-x/ou-a/ou-b/": the chain of containers from the root down to (and including) `containerId`.
function containerPath(ctx: SimulatorContext, containerId: string): string {
  const chain: string[] = [];
  let current: string | undefined = containerId;
  while (current && current !== ctx.seed.organization.rootId) {
    chain.unshift(current);
    const currentId: string = current;
    current = ctx.seed.organizationalUnits.find((unit) => unit.id === currentId)?.parentId;
  }
  return [ctx.seed.organization.id, ctx.seed.organization.rootId, ...chain].join("/") + "/";
}

function accountShape(ctx: SimulatorContext, account: SeedAccount) {
  const { organization } = ctx.seed;
  return {
    Id: account.id,
    Arn: `arn:aws:organizations::${organization.managementAccountId}:account/${organization.id}/${account.id}`,
    Email: account.email,
    Name: account.name,
    Status: "ACTIVE",
    State: "ACTIVE",
    JoinedMethod: account.joinedMethod,
    JoinedTimestamp: epochSeconds(account.joinedAtMs),
    Paths: [`${containerPath(ctx, account.parentId)}${account.id}/`],
  };
}

function unitShape(ctx: SimulatorContext, unit: SeedOrganizationalUnit) {
  return { Id: unit.id, Arn: unit.arn, Name: unit.name, Path: containerPath(ctx, unit.id) };
}

function page<T>(ctx: SimulatorContext, operation: string, input: Input, items: readonly T[]) {
  return ctx.tokens.paginate(items, {
    operation,
    input,
    defaultPageSize: DEFAULT_PAGE_SIZE,
    // Documented: Organizations List* may return an empty page that still carries a NextToken.
    emptyPageChance: ctx.config().emptyPageRate,
    random: () => ctx.random(),
    invalidToken: () =>
      organizationsInvalidInput(
        "You specified an invalid value for nextToken. You must get the value from the response to a previous call to the API.",
        "INVALID_NEXT_TOKEN",
      ),
  });
}

function withToken<T extends object>(body: T, nextToken: string | undefined) {
  return nextToken ? { ...body, NextToken: nextToken } : body;
}

const operations: Record<string, OperationDefinition> = {
  DescribeOrganization: {
    input: structure({}),
    handle(_input, ctx) {
      const { organization } = ctx.seed;
      return {
        Organization: {
          Id: organization.id,
          Arn: organization.arn,
          FeatureSet: organization.featureSet,
          MasterAccountArn: `arn:aws:organizations::${organization.managementAccountId}:account/${organization.id}/${organization.managementAccountId}`,
          MasterAccountId: organization.managementAccountId,
          MasterAccountEmail: organization.managementAccountEmail,
          AvailablePolicyTypes: SCP_ENABLED,
        },
      };
    },
  },
  ListAccounts: {
    input: structure({ ...paging }),
    handle(input, ctx) {
      const result = page(ctx, "ListAccounts", input, ctx.seed.accounts);
      return withToken({ Accounts: result.items.map((account) => accountShape(ctx, account)) }, result.nextToken);
    },
  },
  DescribeAccount: {
    input: structure({ AccountId: required(string({ pattern: PATTERNS.organizationsAccountId, maxLength: 12 })) }),
    handle(input, ctx) {
      const account = ctx.seed.accounts.find((candidate) => candidate.id === input.AccountId);
      if (!account) throw accountNotFound();
      return { Account: accountShape(ctx, account) };
    },
  },
  ListRoots: {
    input: structure({ ...paging }),
    handle(input, ctx) {
      const { organization } = ctx.seed;
      const result = page(ctx, "ListRoots", input, [
        { Id: organization.rootId, Arn: organization.rootArn, Name: organization.rootName, PolicyTypes: SCP_ENABLED },
      ]);
      return withToken({ Roots: result.items }, result.nextToken);
    },
  },
  ListOrganizationalUnitsForParent: {
    input: structure({ ParentId: parentId, ...paging }),
    handle(input, ctx) {
      requireParent(ctx, input.ParentId as string);
      const units = ctx.seed.organizationalUnits.filter((unit) => unit.parentId === input.ParentId);
      const result = page(ctx, "ListOrganizationalUnitsForParent", input, units);
      return withToken({ OrganizationalUnits: result.items.map((unit) => unitShape(ctx, unit)) }, result.nextToken);
    },
  },
  ListAccountsForParent: {
    input: structure({ ParentId: parentId, ...paging }),
    handle(input, ctx) {
      requireParent(ctx, input.ParentId as string);
      const accounts = ctx.seed.accounts.filter((account) => account.parentId === input.ParentId);
      const result = page(ctx, "ListAccountsForParent", input, accounts);
      return withToken({ Accounts: result.items.map((account) => accountShape(ctx, account)) }, result.nextToken);
    },
  },
  ListChildren: {
    input: structure({
      ParentId: parentId,
      ChildType: required(string({ enum: ["ACCOUNT", "ORGANIZATIONAL_UNIT"] })),
      ...paging,
    }),
    handle(input, ctx) {
      requireParent(ctx, input.ParentId as string);
      const children =
        input.ChildType === "ACCOUNT"
          ? ctx.seed.accounts
              .filter((account) => account.parentId === input.ParentId)
              .map((account) => ({ Id: account.id, Type: "ACCOUNT" }))
          : ctx.seed.organizationalUnits
              .filter((unit) => unit.parentId === input.ParentId)
              .map((unit) => ({ Id: unit.id, Type: "ORGANIZATIONAL_UNIT" }));
      const result = page(ctx, "ListChildren", input, children);
      return withToken({ Children: result.items }, result.nextToken);
    },
  },
  ListParents: {
    input: structure({
      ChildId: required(string({ pattern: PATTERNS.organizationsChildId, maxLength: 100 })),
      ...paging,
    }),
    handle(input, ctx) {
      const childId = input.ChildId as string;
      const parent =
        ctx.seed.accounts.find((account) => account.id === childId)?.parentId ??
        ctx.seed.organizationalUnits.find((unit) => unit.id === childId)?.parentId;
      if (!parent) throw childNotFound();
      const result = page(ctx, "ListParents", input, [
        { Id: parent, Type: parent.startsWith("r-") ? "ROOT" : "ORGANIZATIONAL_UNIT" },
      ]);
      return withToken({ Parents: result.items }, result.nextToken);
    },
  },
  DescribeOrganizationalUnit: {
    input: structure({
      OrganizationalUnitId: required(string({ pattern: PATTERNS.organizationsOuId, maxLength: 68 })),
    }),
    handle(input, ctx) {
      const unit = ctx.seed.organizationalUnits.find((candidate) => candidate.id === input.OrganizationalUnitId);
      if (!unit) throw ouNotFound();
      return { OrganizationalUnit: unitShape(ctx, unit) };
    },
  },
};

export const organizationsService: ServiceDefinition = {
  service: "organizations",
  targetPrefix: "AWSOrganizationsV20161128",
  signingName: "organizations",
  operations,
  validationError: (violations) =>
    organizationsInvalidInput(coralValidationMessage(violations), organizationsReason(violations[0]!.kind)),
  throttlingError: (config) => organizationsTooManyRequests(config.retryAfterSeconds, config.throttleHttpStatus),
  internalError: organizationsServiceException,
  accessDeniedError: () => organizationsAccessDenied(),
  authorize(operation, ctx) {
    // Any member may describe its organization; the rest needs the management account or a delegated admin.
    if (ctx.config().callerMode === "member" && operation !== "DescribeOrganization") throw organizationsAccessDenied();
  },
};
