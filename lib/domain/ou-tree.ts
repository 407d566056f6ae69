/** An account as the inventory sync stores it: OU ids root first, and the names along the same path. */
export interface OuTreeAccount {
  id: string;
  name: string;
  ouPath: string;
  ouIds: readonly string[];
}

export interface OuNode<A extends OuTreeAccount> {
  id: string;
  name: string;
  path: string;
  children: OuNode<A>[];
  accounts: A[];
}

/** The organization tree rebuilt from each account's path; an account whose names and ids disagree hangs off the root it names. */
export function buildOuTree<A extends OuTreeAccount>(accounts: readonly A[]): OuNode<A>[] {
  const nodes = new Map<string, OuNode<A>>();
  const roots: OuNode<A>[] = [];
  const sorted = [...accounts].sort((a, b) => a.ouPath.localeCompare(b.ouPath) || a.name.localeCompare(b.name));
  for (const account of sorted) {
    const names = account.ouPath.split("/");
    // A path whose segments do not line up with the ids cannot be placed safely: keep only its first, the root.
    const ids = names.length === account.ouIds.length ? account.ouIds : account.ouIds.slice(0, 1);
    let parent: OuNode<A> | null = null;
    ids.forEach((id, depth) => {
      let node = nodes.get(id);
      if (!node) {
        node = { id, name: names[depth] ?? id, path: names.slice(0, depth + 1).join("/"), children: [], accounts: [] };
        nodes.set(id, node);
        if (parent) parent.children.push(node);
        else roots.push(node);
      }
      parent = node;
    });
    if (parent) (parent as OuNode<A>).accounts.push(account);
    else {
      const orphan = nodes.get("") ?? { id: "", name: "Unknown", path: "Unknown", children: [], accounts: [] };
      if (!nodes.has("")) {
        nodes.set("", orphan);
        roots.push(orphan);
      }
      orphan.accounts.push(account);
    }
  }
  return roots;
}

/** Every OU of the tree, depth first, for a filter list. */
export function flattenOuTree<A extends OuTreeAccount>(
  roots: readonly OuNode<A>[],
  depth = 0,
): { id: string; path: string; depth: number }[] {
  return roots.flatMap((node) => [{ id: node.id, path: node.path, depth }, ...flattenOuTree(node.children, depth + 1)]);
}
