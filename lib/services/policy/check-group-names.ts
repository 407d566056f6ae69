import { identityCenterGroupsNamed } from "../../domain/group-targets";
import type { PolicyDocument } from "../../domain/policy-schema";
import type { IdentityCenterPort } from "../../aws/identity-center-port";
import { PolicyFileError, type PolicyCheck } from "./load-policy";

export type GroupDirectory = Pick<IdentityCenterPort, "findGroupIdByDisplayName" | "describeGroup">;

/**
 * Every Identity Center group the policy names must exist in the Identity Store, spelled exactly as the store spells it;
 * otherwise loading stops with the path of each unknown name. AWS errors pass through (the caller decides).
 */
export async function checkGroupNames(
  file: string,
  document: PolicyDocument,
  directory: GroupDirectory,
): Promise<Map<string, string>> {
  const problems: { path: string; message: string }[] = [];
  const ids = new Map<string, string>();
  // One at a time: a policy names a handful of groups, and the calls share the Identity Store's pace.
  for (const [name, path] of identityCenterGroupsNamed(document)) {
    const groupId = await directory.findGroupIdByDisplayName(name);
    const group = groupId ? await directory.describeGroup(groupId) : null;
    if (!group) problems.push({ path, message: `no Identity Center group named "${name}" in the identity store` });
    else if (group.displayName !== name)
      problems.push({ path, message: `the identity store spells this group "${group.displayName}" (names are exact)` });
    else ids.set(name, group.id);
  }
  if (problems.length > 0) throw new PolicyFileError(file, problems);
  return ids;
}

/** The same check as a load/reload check: unknown names are problems; AWS being away is reported and does not block. */
export function groupNamesCheck(
  file: string,
  directory: GroupDirectory,
  onUnavailable: (error: unknown) => void,
): PolicyCheck {
  return (document) =>
    checkGroupNames(file, document, directory).then(
      () => [],
      (error: unknown) => {
        if (error instanceof PolicyFileError) return error.problems;
        onUnavailable(error);
        return [];
      },
    );
}
