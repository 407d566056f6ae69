// What changed between two policy documents, section by section and rule by rule, for the audit row and the policy page.

export interface FieldChange {
  /** Where inside the rule or section, e.g. "approval.required" or "defaults.pendingApprovalExpiryMinutes". */
  path: string;
  /** Absent on one side means the field was added or removed; lists of names also say which entries came and went. */
  before?: unknown;
  after?: unknown;
  added?: unknown[];
  removed?: unknown[];
}

export interface EntryChange {
  id: string;
  changes: FieldChange[];
}

/** A top-level list of entries with an `id` (rules, deny, and any section added later), compared by id, never by position. */
export interface ListSectionDiff {
  section: string;
  added: string[];
  removed: string[];
  changed: EntryChange[];
}

export interface PolicyDiff {
  lists: ListSectionDiff[];
  /** Every other top-level value (version, defaults, ...), compared field by field. */
  fields: FieldChange[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const hasId = (value: unknown): value is { id: string } => isRecord(value) && typeof value.id === "string";

const isIdList = (value: unknown): value is { id: string }[] => Array.isArray(value) && value.every(hasId);

const isScalar = (value: unknown) => value === null || ["string", "number", "boolean"].includes(typeof value);

// Object keys in a fixed order, so equal content compares equal whatever order the file wrote it in.
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isRecord(value))
    return `{${Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(",")}}`;
  return JSON.stringify(value) ?? "undefined";
}

const join = (base: string, key: string) => (base ? `${base}.${key}` : key);

function diffValue(path: string, before: unknown, after: unknown, out: FieldChange[]) {
  if (canonical(before) === canonical(after)) return;
  if (before === undefined) return void out.push({ path, after });
  if (after === undefined) return void out.push({ path, before });
  if (isRecord(before) && isRecord(after)) {
    for (const key of unionKeys(before, after)) diffValue(join(path, key), before[key], after[key], out);
    return;
  }
  // Lists of names are sets: a reordering is no change, and the entries that came and went are named.
  if (Array.isArray(before) && Array.isArray(after) && [...before, ...after].every(isScalar)) {
    const beforeKeys = new Set(before.map(canonical));
    const afterKeys = new Set(after.map(canonical));
    const added = after.filter((item) => !beforeKeys.has(canonical(item)));
    const removed = before.filter((item) => !afterKeys.has(canonical(item)));
    if (added.length === 0 && removed.length === 0) return;
    return void out.push({ path, before, after, added, removed });
  }
  if (isIdList(before) && isIdList(after)) {
    const section = diffIdList(path, before, after);
    for (const id of section.added) out.push({ path: `${path}[${id}]`, after: after.find((e) => e.id === id) });
    for (const id of section.removed) out.push({ path: `${path}[${id}]`, before: before.find((e) => e.id === id) });
    for (const entry of section.changed)
      for (const change of entry.changes) out.push({ ...change, path: join(`${path}[${entry.id}]`, change.path) });
    return;
  }
  out.push({ path, before, after });
}

// Sorted by path, so the order keys were written in the file never shows.
const byPath = (changes: FieldChange[]) => changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

function unionKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = Object.keys(before);
  for (const key of Object.keys(after)) if (!keys.includes(key)) keys.push(key);
  return keys;
}

function diffIdList(section: string, before: { id: string }[], after: { id: string }[]): ListSectionDiff {
  const beforeById = new Map(before.map((entry) => [entry.id, entry]));
  const afterById = new Map(after.map((entry) => [entry.id, entry]));
  const changed: EntryChange[] = [];
  for (const [id, next] of afterById) {
    const previous = beforeById.get(id);
    if (!previous) continue;
    const changes: FieldChange[] = [];
    diffValue("", previous, next, changes);
    if (changes.length > 0) changed.push({ id, changes: byPath(changes) });
  }
  return {
    section,
    added: [...afterById.keys()].filter((id) => !beforeById.has(id)),
    removed: [...beforeById.keys()].filter((id) => !afterById.has(id)),
    changed,
  };
}

// Allow rules, then deny rules, then every other section by name: stored documents (jsonb) do not keep key order.
const sectionRank = (section: string) => ({ rules: 0, deny: 1 })[section] ?? 2;

/** Compares two policy documents generically: every top-level list of id'd entries by id, everything else field by field. */
export function diffPolicies(before: unknown, after: unknown): PolicyDiff {
  const previous = isRecord(before) ? before : {};
  const next = isRecord(after) ? after : {};
  const lists: ListSectionDiff[] = [];
  const fields: FieldChange[] = [];
  for (const key of unionKeys(previous, next)) {
    const [a, b] = [previous[key], next[key]];
    // A missing section reads as an empty one, so adding `breakGlass:` lists its rules as added.
    if ((a === undefined || isIdList(a)) && (b === undefined || isIdList(b)) && (isIdList(a) || isIdList(b))) {
      const section = diffIdList(
        key,
        (a as { id: string }[] | undefined) ?? [],
        (b as { id: string }[] | undefined) ?? [],
      );
      if (section.added.length || section.removed.length || section.changed.length) lists.push(section);
    } else diffValue(key, a, b, fields);
  }
  return {
    lists: lists.sort((a, b) => sectionRank(a.section) - sectionRank(b.section) || (a.section < b.section ? -1 : 1)),
    fields: byPath(fields),
  };
}

export const policyDiffIsEmpty = (diff: PolicyDiff) => diff.lists.length === 0 && diff.fields.length === 0;

const SECTION_LABELS: Record<string, string> = {
  rules: "allow rule",
  deny: "deny rule",
  breakGlass: "break-glass rule",
};

function show(value: unknown): string {
  if (value === undefined) return "(not set)";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value) && value.every(isScalar)) return `[${value.map(show).join(", ")}]`;
  return canonical(value);
}

function describeChange(change: FieldChange): string {
  if (change.added || change.removed) {
    const parts = [
      ...(change.added?.length ? [`added ${change.added.map(show).join(", ")}`] : []),
      ...(change.removed?.length ? [`removed ${change.removed.map(show).join(", ")}`] : []),
    ];
    return `${change.path}: ${parts.join("; ")}`;
  }
  if (!("before" in change)) return `${change.path}: set to ${show(change.after)}`;
  if (!("after" in change)) return `${change.path}: removed (was ${show(change.before)})`;
  return `${change.path}: ${show(change.before)} → ${show(change.after)}`;
}

export interface PolicyDiffLine {
  kind: "added" | "removed" | "changed";
  text: string;
  /** Field by field, for a changed entry. */
  details: string[];
}

/** The diff as plain sentences, one per added, removed or changed entry or field; the same words everywhere it is shown. */
export function describePolicyDiff(diff: PolicyDiff): PolicyDiffLine[] {
  const lines: PolicyDiffLine[] = [];
  for (const section of diff.lists) {
    const label = SECTION_LABELS[section.section] ?? `${section.section} entry`;
    for (const id of section.added) lines.push({ kind: "added", text: `Added ${label} ${id}`, details: [] });
    for (const id of section.removed) lines.push({ kind: "removed", text: `Removed ${label} ${id}`, details: [] });
    for (const entry of section.changed)
      lines.push({ kind: "changed", text: `Changed ${label} ${entry.id}`, details: entry.changes.map(describeChange) });
  }
  for (const change of diff.fields) lines.push({ kind: "changed", text: describeChange(change), details: [] });
  return lines;
}
