import { describe, expect, it } from "vitest";
import { buildOuTree, flattenOuTree } from "./ou-tree";

const account = (id: string, name: string, ouPath: string, ouIds: string[]) => ({ id, name, ouPath, ouIds });

describe("buildOuTree", () => {
  const accounts = [
    account("210987654321", "payments-prod", "Root/Workloads/Production", ["r-1", "ou-w", "ou-p"]),
    account("111111111111", "management", "Root", ["r-1"]),
    account("310987654321", "data-prod", "Root/Workloads/Production", ["r-1", "ou-w", "ou-p"]),
    account("410987654321", "sandbox", "Root/Sandbox", ["r-1", "ou-s"]),
  ];

  it("nests OUs by id and hangs each account under its direct parent, sorted by name", () => {
    const [root] = buildOuTree(accounts);
    expect(root!.accounts.map((a) => a.name)).toEqual(["management"]);
    expect(root!.children.map((c) => c.path)).toEqual(["Root/Sandbox", "Root/Workloads"]);
    const production = root!.children[1]!.children[0]!;
    expect(production).toMatchObject({ id: "ou-p", name: "Production", path: "Root/Workloads/Production" });
    expect(production.accounts.map((a) => a.name)).toEqual(["data-prod", "payments-prod"]);
  });

  it("two OUs with the same name stay apart because they have different ids", () => {
    const tree = buildOuTree([
      account("1", "a", "Root/Prod", ["r-1", "ou-a"]),
      account("2", "b", "Root/Prod", ["r-1", "ou-b"]),
    ]);
    expect(tree[0]!.children.map((c) => c.id)).toEqual(["ou-a", "ou-b"]);
  });

  it("a path that does not match its ids is not guessed into an OU: the account hangs off the root", () => {
    const [root] = buildOuTree([account("1", "odd", "Root/Prod/Extra", ["r-1", "ou-a"])]);
    expect(root!.children).toEqual([]);
    expect(root!.accounts.map((a) => a.name)).toEqual(["odd"]);
  });

  it("an account with no OU ids at all still shows, under Unknown", () => {
    const tree = buildOuTree([account("1", "lost", "", [])]);
    expect(tree.map((n) => [n.name, n.accounts.length])).toEqual([["Unknown", 1]]);
  });

  it("flattens depth first for a filter list", () => {
    expect(flattenOuTree(buildOuTree(accounts)).map((n) => `${n.depth}:${n.path}`)).toEqual([
      "0:Root",
      "1:Root/Sandbox",
      "1:Root/Workloads",
      "2:Root/Workloads/Production",
    ]);
  });
});
