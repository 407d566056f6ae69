import {
  AccountNotFoundException,
  ChildNotFoundException,
  DescribeAccountCommand,
  DescribeOrganizationalUnitCommand,
  DescribeOrganizationCommand,
  InvalidInputException,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListChildrenCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  OrganizationalUnitNotFoundException,
  ParentNotFoundException,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  type OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DEMO_SEED,
  MANAGEMENT_ACCOUNT_ID,
  ORGANIZATION_ID,
  ROOT_ID,
  seedAccount,
  seedOrganizationalUnit,
} from "./seed";
import type { SimulatorHandle } from "./server";
import { rejectionOf, sdkClients, startTestSimulator } from "./testing";

const paymentsProd = seedAccount("payments-prod");
const workloads = seedOrganizationalUnit("Workloads");
const production = seedOrganizationalUnit("Production");

let sim: SimulatorHandle;
let organizations: OrganizationsClient;

beforeAll(async () => {
  sim = await startTestSimulator();
  organizations = sdkClients(sim.url).organizations;
});
beforeEach(() => sim.reset());
afterAll(() => sim.close());

describe("organizations", () => {
  it("describes the organization and its management account", async () => {
    const { Organization } = await organizations.send(new DescribeOrganizationCommand({}));
    expect(Organization).toMatchObject({
      Id: ORGANIZATION_ID,
      FeatureSet: "ALL",
      MasterAccountId: MANAGEMENT_ACCOUNT_ID,
    });
    expect(Organization!.Id).toMatch(/^o-[a-z0-9]{10}$/);
  });

  it("pages every account with the SDK paginator and at most MaxResults per page", async () => {
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateListAccounts({ client: organizations, pageSize: 2 }, {})) {
      pages += 1;
      expect(page.Accounts!.length).toBeLessThanOrEqual(2);
      names.push(...page.Accounts!.map((account) => account.Name!));
    }
    expect(pages).toBe(Math.ceil(DEMO_SEED.accounts.length / 2));
    expect(names).toEqual(DEMO_SEED.accounts.map((account) => account.name));
  });

  it("uses 20 as the default page size", async () => {
    const { Accounts, NextToken } = await organizations.send(new ListAccountsCommand({}));
    expect(Accounts).toHaveLength(DEMO_SEED.accounts.length);
    expect(NextToken).toBeUndefined();
  });

  it("describes an account with ARN, path and join time", async () => {
    const { Account } = await organizations.send(new DescribeAccountCommand({ AccountId: paymentsProd.id }));
    expect(Account).toMatchObject({
      Id: paymentsProd.id,
      Name: "payments-prod",
      Arn: `arn:aws:organizations::${MANAGEMENT_ACCOUNT_ID}:account/${ORGANIZATION_ID}/${paymentsProd.id}`,
      State: "ACTIVE",
      Paths: [`${ORGANIZATION_ID}/${ROOT_ID}/${workloads.id}/${production.id}/${paymentsProd.id}/`],
    });
    expect(Account!.JoinedTimestamp).toBeInstanceOf(Date);
  });

  it("answers AccountNotFoundException and InvalidInputException with a Reason", async () => {
    expect(
      await rejectionOf(organizations.send(new DescribeAccountCommand({ AccountId: "123456789012" }))),
    ).toBeInstanceOf(AccountNotFoundException);
    const invalid = await rejectionOf(organizations.send(new DescribeAccountCommand({ AccountId: "12345" })));
    expect(invalid).toBeInstanceOf(InvalidInputException);
    expect(invalid).toMatchObject({ Reason: "INVALID_PATTERN" });
    const tooMany = await rejectionOf(organizations.send(new ListAccountsCommand({ MaxResults: 21 })));
    expect(tooMany).toMatchObject({ name: "InvalidInputException", Reason: "MAX_VALUE_EXCEEDED" });
  });

  it("rejects forged tokens and tokens from another operation with INVALID_NEXT_TOKEN", async () => {
    const { NextToken } = await organizations.send(new ListAccountsCommand({ MaxResults: 1 }));
    const reused = await rejectionOf(organizations.send(new ListRootsCommand({ NextToken })));
    expect(reused).toBeInstanceOf(InvalidInputException);
    expect(reused).toMatchObject({ Reason: "INVALID_NEXT_TOKEN" });
    expect(await rejectionOf(organizations.send(new ListAccountsCommand({ NextToken: "bogus" })))).toMatchObject({
      Reason: "INVALID_NEXT_TOKEN",
    });
  });

  it("walks the tree: roots, OUs, accounts per parent, parents and children", async () => {
    const { Roots } = await organizations.send(new ListRootsCommand({}));
    expect(Roots).toEqual([
      expect.objectContaining({
        Id: ROOT_ID,
        Name: "Root",
        PolicyTypes: [{ Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" }],
      }),
    ]);

    const topLevel: string[] = [];
    for await (const page of paginateListOrganizationalUnitsForParent(
      { client: organizations, pageSize: 1 },
      { ParentId: ROOT_ID },
    )) {
      topLevel.push(...page.OrganizationalUnits!.map((unit) => unit.Name!));
    }
    expect(topLevel).toEqual(["Workloads", "Sandbox", "Security"]);
    const nested = await organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: workloads.id }));
    expect(nested.OrganizationalUnits!.map((unit) => unit.Name)).toEqual(["Production", "Staging"]);

    const inProduction: string[] = [];
    for await (const page of paginateListAccountsForParent(
      { client: organizations, pageSize: 1 },
      { ParentId: production.id },
    )) {
      inProduction.push(...page.Accounts!.map((account) => account.Name!));
    }
    expect(inProduction).toEqual(["payments-prod", "data-prod"]);
    const atRoot = await organizations.send(new ListAccountsForParentCommand({ ParentId: ROOT_ID }));
    expect(atRoot.Accounts!.map((account) => account.Id)).toEqual([MANAGEMENT_ACCOUNT_ID]);

    expect((await organizations.send(new ListParentsCommand({ ChildId: paymentsProd.id }))).Parents).toEqual([
      { Id: production.id, Type: "ORGANIZATIONAL_UNIT" },
    ]);
    expect((await organizations.send(new ListParentsCommand({ ChildId: workloads.id }))).Parents).toEqual([
      { Id: ROOT_ID, Type: "ROOT" },
    ]);
    const children = await organizations.send(
      new ListChildrenCommand({ ParentId: workloads.id, ChildType: "ORGANIZATIONAL_UNIT" }),
    );
    expect(children.Children!.map((child) => child.Id)).toEqual([production.id, seedOrganizationalUnit("Staging").id]);
    const unit = await organizations.send(
      new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: production.id }),
    );
    expect(unit.OrganizationalUnit).toMatchObject({ Id: production.id, Name: "Production", Arn: production.arn });
  });

  it("answers ParentNotFound, ChildNotFound and OrganizationalUnitNotFound", async () => {
    expect(
      await rejectionOf(organizations.send(new ListAccountsForParentCommand({ ParentId: "ou-k7m2-zzzzzzzz" }))),
    ).toBeInstanceOf(ParentNotFoundException);
    expect(await rejectionOf(organizations.send(new ListParentsCommand({ ChildId: "123456789012" })))).toBeInstanceOf(
      ChildNotFoundException,
    );
    expect(
      await rejectionOf(
        organizations.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: "ou-k7m2-zzzzzzzz" })),
      ),
    ).toBeInstanceOf(OrganizationalUnitNotFoundException);
  });

  it("may return empty pages that still carry a NextToken, and the paginator still sees every account", async () => {
    sim.setConfig({ emptyPageRate: 1 });
    const first = await organizations.send(new ListAccountsCommand({ MaxResults: 5 }));
    expect(first.Accounts).toEqual([]);
    expect(first.NextToken).toBeTruthy();
    const ids: string[] = [];
    let emptyPages = 0;
    for await (const page of paginateListAccounts({ client: organizations, pageSize: 5 }, {})) {
      if (page.Accounts!.length === 0) emptyPages += 1;
      ids.push(...page.Accounts!.map((account) => account.Id!));
    }
    expect(ids).toEqual(DEMO_SEED.accounts.map((account) => account.id));
    expect(emptyPages).toBeGreaterThan(0);
  });
});
