import type { z } from "zod";
import type { GroupTarget, Target } from "../lib/api/schemas";
import type { Parsed } from "./duration";
import { didYouMean } from "./suggest";

export type RequestableTarget = z.infer<typeof Target>;
export type RequestableGroup = z.infer<typeof GroupTarget>;

const ACCOUNT_ID = /^\d{12}$/;
const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Finds the target --account (name or id) and --permission-set name; an unknown name suggests close ones. */
export function resolveTarget(
  targets: readonly RequestableTarget[],
  account: string,
  permissionSet: string,
): Parsed<RequestableTarget> {
  const typedAccount = account.trim();
  const onAccount = targets.filter((target) =>
    ACCOUNT_ID.test(typedAccount) ? target.accountId === typedAccount : sameName(target.accountName, typedAccount),
  );
  if (onAccount.length === 0) {
    const names = [...new Set(targets.map((target) => target.accountName))];
    const hint = ACCOUNT_ID.test(typedAccount) ? "" : didYouMean(typedAccount, names);
    return {
      ok: false,
      message: `You may not request access to any account named "${typedAccount}".${hint} Run jit targets to list what you may request.`,
    };
  }
  const accountName = onAccount[0]!.accountName;
  const match = onAccount.find((target) => sameName(target.permissionSetName, permissionSet.trim()));
  if (match) return { ok: true, value: match };
  const sets = onAccount.map((target) => target.permissionSetName);
  const anywhere = targets.some((target) => sameName(target.permissionSetName, permissionSet.trim()));
  return {
    ok: false,
    message:
      `You may not request "${permissionSet.trim()}" on ${accountName}.` +
      (anywhere ? "" : didYouMean(permissionSet, sets)) +
      ` On ${accountName} you may request: ${sets.join(", ")}.`,
  };
}

/** Finds each --group among the groups the caller may join (exact name, any case); an unknown one suggests close ones. */
export function resolveGroups(
  groups: readonly RequestableGroup[],
  typed: readonly string[],
): Parsed<RequestableGroup[]> {
  const found: RequestableGroup[] = [];
  for (const name of typed) {
    const match = groups.find((group) => sameName(group.name, name.trim()));
    if (!match)
      return {
        ok: false,
        message:
          `You may not request membership of an Identity Center group named "${name.trim()}".` +
          didYouMean(
            name,
            groups.map((group) => group.name),
          ) +
          " Run jit targets to list what you may request.",
      };
    if (!found.includes(match)) found.push(match);
  }
  return { ok: true, value: found };
}
