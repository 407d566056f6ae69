// The request form's search: which (account, permission set) a typed query names.

export interface SearchableTarget {
  accountId: string;
  accountName: string;
  ouPath: string;
  permissionSetName: string;
}

/** Words of the query, lower-cased; an empty query names every target. */
export function searchWords(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

/** Every word must appear in the account's name, id or OU path or in the permission set's name ("prod power" works). */
export function targetMatches(words: readonly string[], target: SearchableTarget): boolean {
  if (words.length === 0) return true;
  const haystack = [target.accountName, target.accountId, target.ouPath, target.permissionSetName]
    .join("\n")
    .toLowerCase();
  return words.every((word) => haystack.includes(word));
}
