// Ending live AWS sessions when a grant ends: the portal-managed Deny statements in a permission set's inline policy
// (shared/reference/session-revocation.md §2.1, §3.3, §8). Pure: the text in, the edit to make out.

/** Every statement the portal owns starts with this Sid; a customer statement never may. */
export const REVOCATION_SID_PREFIX = "JitPortalRevoke";
/** Added to the grant's end so a session minted in the last seconds, on a clock slightly behind AWS's, is still cut. */
export const REVOCATION_CLOCK_SKEW_MS = 60_000;
/** Identity Center's session duration range (PT1H–PT12H). */
export const SESSION_DURATION_MIN_MINUTES = 60;
export const SESSION_DURATION_MAX_MINUTES = 720;
/** Inline policy limits of a permission set (limits page; model pattern of PermissionSetPolicyDocument). */
export const INLINE_POLICY_MAX_BYTES = 32_768;
export const INLINE_POLICY_MAX_NON_WHITESPACE_BYTES = 10_240;
const INLINE_POLICY_CHARACTERS = /^[\u0009\u000A\u000D\u0020-\u00FF]*$/;
const NEW_POLICY_VERSION = "2012-10-17";

// Same shape the port accepts for a principal id: hex and "-" only, so "-" → "x" is a one-to-one Sid encoding.
const IDENTITY_STORE_USER_ID =
  /^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$/;
const ACCOUNT_ID = /^\d{12}$/;
const CUTOFF_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const MAX_NESTING = 64;

export interface Revocation {
  identityStoreUserId: string;
  /** The grant's account: the set's inline policy reaches every account it is provisioned to, the deny must not. */
  accountId: string;
  cutoff: Date;
}

/** A statement read back; `accountId` null is one written before account scoping, cutting the user in every account. */
export interface WrittenRevocation extends Omit<Revocation, "accountId"> {
  accountId: string | null;
}

export interface TrackedRevocation extends Revocation {
  /** After this, no session issued before `cutoff` can still be valid, so the statement may go. */
  expiresAt: Date;
}

export interface PortalStatement {
  Sid: string;
  Effect: "Deny";
  Action: "*";
  Resource: "*";
  Condition: {
    /** One user, or (a shared cutoff, under size pressure) a sorted list of two or more; one account. */
    StringEquals: { "identitystore:userId": string | string[]; "aws:PrincipalAccount"?: string };
    DateLessThan: { "aws:TokenIssueTime": string };
  };
}

/**
 * How statements are packed, tried in order until the policy fits: one per user; one per shared cutoff (a list of
 * users); cutoffs rounded up to the minute, then to five minutes, and grouped. Rounding up only cuts more (sessions
 * minted a little after the end), never less.
 */
const PACKINGS: readonly { grouped: boolean; roundUpMs: number }[] = [
  { grouped: false, roundUpMs: 1000 },
  { grouped: true, roundUpMs: 1000 },
  { grouped: true, roundUpMs: 60_000 },
  { grouped: true, roundUpMs: 300_000 },
];

export function isIdentityStoreUserId(value: string): boolean {
  return IDENTITY_STORE_USER_ID.test(value);
}

export function isAccountId(value: string): boolean {
  return ACCOUNT_ID.test(value);
}

/** `accountId` null only to recognize a statement written before account scoping. */
export function revocationSid(identityStoreUserId: string, accountId: string | null): string {
  if (!isIdentityStoreUserId(identityStoreUserId)) throw new Error("not an Identity Store user id");
  return REVOCATION_SID_PREFIX + identityStoreUserId.replaceAll("-", "x") + accountSuffix(accountId);
}

function accountSuffix(accountId: string | null): string {
  if (accountId === null) return "";
  if (!isAccountId(accountId)) throw new Error("not an AWS account id");
  return `In${accountId}`;
}

/** Grant end + skew margin, rounded up to the whole second (shorter text, and never earlier than the end). */
export function revocationCutoff(grantEndsAt: Date): Date {
  return new Date(Math.ceil((grantEndsAt.getTime() + REVOCATION_CLOCK_SKEW_MS) / 1000) * 1000);
}

/**
 * When the statement may be removed: cutoff + the longest session the set may have issued. The caller passes the
 * longest duration it has seen for the set; unknown means the 12 h hard maximum. A duration shortened before the grant
 * ended is only covered if the caller saw the longer value (the service takes the larger of the live and the inventory
 * value), which is why it is clamped up to Identity Center's 1 h minimum and never trusted below it.
 */
export function revocationExpiry(cutoff: Date, longestSessionMinutes: number | null | undefined): Date {
  const minutes =
    typeof longestSessionMinutes === "number" && Number.isFinite(longestSessionMinutes)
      ? Math.min(SESSION_DURATION_MAX_MINUTES, Math.max(SESSION_DURATION_MIN_MINUTES, Math.ceil(longestSessionMinutes)))
      : SESSION_DURATION_MAX_MINUTES;
  return new Date(cutoff.getTime() + minutes * 60_000);
}

function cutoffText(cutoff: Date): string {
  return cutoff.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function portalStatement(revocation: WrittenRevocation): PortalStatement {
  return {
    Sid: revocationSid(revocation.identityStoreUserId, revocation.accountId),
    Effect: "Deny",
    Action: "*",
    Resource: "*",
    Condition: {
      StringEquals: accountCondition(revocation.identityStoreUserId, revocation.accountId),
      DateLessThan: { "aws:TokenIssueTime": cutoffText(revocation.cutoff) },
    },
  };
}

/** One statement for several users of one account sharing a cutoff; its Sid names both (unique, as groups differ in them). */
export function groupStatement(
  cutoff: Date,
  accountId: string | null,
  identityStoreUserIds: readonly string[],
): PortalStatement {
  if (identityStoreUserIds.length === 1)
    return portalStatement({ identityStoreUserId: identityStoreUserIds[0]!, accountId, cutoff });
  const text = cutoffText(cutoff);
  return {
    Sid: `${REVOCATION_SID_PREFIX}At${text.replace(/[^0-9TZ]/g, "")}${accountSuffix(accountId)}`,
    Effect: "Deny",
    Action: "*",
    Resource: "*",
    Condition: {
      StringEquals: accountCondition([...identityStoreUserIds].sort(compareText), accountId),
      DateLessThan: { "aws:TokenIssueTime": text },
    },
  };
}

function accountCondition(
  users: string | string[],
  accountId: string | null,
): PortalStatement["Condition"]["StringEquals"] {
  return accountId === null
    ? { "identitystore:userId": users }
    : { "identitystore:userId": users, "aws:PrincipalAccount": accountId };
}

/** The statements for `wanted` (one per user already) in one packing, with the cutoffs they really carry. */
function packStatements(
  wanted: readonly Revocation[],
  packing: { grouped: boolean; roundUpMs: number },
): { texts: string[]; statements: Revocation[] } {
  const effective = wanted.map((revocation) => ({
    identityStoreUserId: revocation.identityStoreUserId,
    accountId: revocation.accountId,
    cutoff: new Date(Math.ceil(revocation.cutoff.getTime() / packing.roundUpMs) * packing.roundUpMs),
  }));
  if (!packing.grouped)
    return { texts: effective.map((revocation) => JSON.stringify(portalStatement(revocation))), statements: effective };
  // Grouped per (account, cutoff): one statement listing several accounts would also cut users in accounts not theirs.
  const groups = new Map<string, { accountId: string; cutoff: number; users: string[] }>();
  for (const revocation of effective) {
    const key = `${revocation.accountId}@${revocation.cutoff.getTime()}`;
    const group = groups.get(key) ?? {
      accountId: revocation.accountId,
      cutoff: revocation.cutoff.getTime(),
      users: [],
    };
    group.users.push(revocation.identityStoreUserId);
    groups.set(key, group);
  }
  const texts = [...groups.values()]
    .sort((a, b) => compareText(a.accountId, b.accountId) || a.cutoff - b.cutoff)
    .map((group) => JSON.stringify(groupStatement(new Date(group.cutoff), group.accountId, group.users)));
  return { texts, statements: effective };
}

/** The statements the policy must hold at `now`: one per (user, account) still tracked, with its latest cutoff (it covers the earlier ones). */
export function mergeRevocations(tracked: readonly TrackedRevocation[], now: Date): TrackedRevocation[] {
  const byUserAndAccount = new Map<string, TrackedRevocation>();
  for (const entry of tracked) {
    if (entry.expiresAt.getTime() <= now.getTime()) continue;
    const key = `${entry.accountId}/${entry.identityStoreUserId}`;
    const seen = byUserAndAccount.get(key);
    byUserAndAccount.set(
      key,
      seen
        ? {
            identityStoreUserId: entry.identityStoreUserId,
            accountId: entry.accountId,
            cutoff: laterOf(seen.cutoff, entry.cutoff),
            expiresAt: laterOf(seen.expiresAt, entry.expiresAt),
          }
        : { ...entry },
    );
  }
  return [...byUserAndAccount.values()].sort(compareRevocations);
}

// ---- the inline policy document -------------------------------------------------------------

export type InlinePolicyEdit =
  /** Write `policy` (PutInlinePolicyToPermissionSet). */
  | { kind: "put"; policy: string; statements: Revocation[] }
  /** Nothing but portal statements was there and none is left: DeleteInlinePolicyFromPermissionSet. */
  | { kind: "delete" }
  /** The portal statements already are exactly the wanted ones. */
  | { kind: "unchanged"; statements: Revocation[] }
  /** The customer's policy cannot be edited safely: never rewrite it. `reason` names what is wrong, not the text. */
  | { kind: "malformed"; reason: string }
  /** The result would break the inline policy limits. */
  | { kind: "too-large"; reason: string; bytes: number; nonWhitespaceBytes: number };

/** The portal statements in the current text (for verification and reconciliation), or why the text cannot be read. */
export function readPortalStatements(
  current: string | null | undefined,
): { ok: true; statements: WrittenRevocation[] } | { ok: false; reason: string } {
  const parsed = parseInlinePolicy(current);
  return parsed.ok ? { ok: true, statements: parsed.document?.portal ?? [] } : parsed;
}

/** Replaces the portal statements in `current` by those `tracked` needs at `now`, leaving everything the customer wrote as it was. */
export function planInlinePolicy(
  current: string | null | undefined,
  tracked: readonly TrackedRevocation[],
  now: Date,
): InlinePolicyEdit {
  const parsed = parseInlinePolicy(current);
  if (!parsed.ok) return { kind: "malformed", reason: parsed.reason };
  const wanted = mergeRevocations(tracked, now).map(({ identityStoreUserId, accountId, cutoff }) => ({
    identityStoreUserId,
    accountId,
    cutoff,
  }));
  if (wanted.some((statement) => !isIdentityStoreUserId(statement.identityStoreUserId)))
    return { kind: "malformed", reason: "a revocation names something that is not an Identity Store user id" };
  if (wanted.some((statement) => !isAccountId(statement.accountId)))
    return { kind: "malformed", reason: "a revocation names something that is not an AWS account id" };
  const document = parsed.document;
  // Nothing of ours in it and nothing to add: a customer's document (even an empty one) is theirs.
  if ((!document || document.portalStatementCount === 0) && wanted.length === 0)
    return { kind: "unchanged", statements: [] };
  const customer = document?.customer ?? [];
  if (customer.length === 0 && wanted.length === 0) return { kind: "delete" };

  let size = { bytes: 0, nonWhitespaceBytes: 0 };
  for (const packing of PACKINGS) {
    const { texts, statements } = packStatements(wanted, packing);
    if (document && document.portalStatementCount === texts.length && sameStatements(document.portal, statements))
      return { kind: "unchanged", statements };
    const statementArray = `[${[...customer, ...texts].join(",")}]`;
    const policy = document
      ? `{${document.members
          .map((member) => `${member.keyText}:${member.key === "Statement" ? statementArray : member.valueText}`)
          .join(",")}}`
      : `{"Version":${JSON.stringify(NEW_POLICY_VERSION)},"Statement":${statementArray}}`;
    if (!INLINE_POLICY_CHARACTERS.test(policy))
      return { kind: "malformed", reason: "the policy contains characters an inline policy may not hold" };
    size = measure(policy);
    if (size.bytes <= INLINE_POLICY_MAX_BYTES && size.nonWhitespaceBytes <= INLINE_POLICY_MAX_NON_WHITESPACE_BYTES)
      return { kind: "put", policy, statements };
  }
  return {
    kind: "too-large",
    reason: `the inline policy would be ${size.nonWhitespaceBytes} non-whitespace bytes (${size.bytes} in all) even with users grouped by cutoff; the limits are ${INLINE_POLICY_MAX_NON_WHITESPACE_BYTES} and ${INLINE_POLICY_MAX_BYTES}`,
    ...size,
  };
}

export function measure(text: string): { bytes: number; nonWhitespaceBytes: number } {
  const encoder = new TextEncoder();
  return {
    bytes: encoder.encode(text).length,
    nonWhitespaceBytes: encoder.encode(text.replace(/[ \t\n\r]/g, "")).length,
  };
}

interface ParsedPolicy {
  /** Top-level members in order, with their exact source text. */
  members: { key: string; keyText: string; valueText: string }[];
  /** Customer statements, each its exact source text, in order. */
  customer: string[];
  /** What the portal statements cut, one entry per (user, account), sorted by account then user. */
  portal: WrittenRevocation[];
  portalStatementCount: number;
}

function parseInlinePolicy(
  current: string | null | undefined,
): { ok: true; document: ParsedPolicy | null } | { ok: false; reason: string } {
  // AWS may answer "" or omit the policy for a set without one (reference §3.3).
  if (current === null || current === undefined || current.trim() === "") return { ok: true, document: null };
  const size = measure(current);
  if (size.bytes > INLINE_POLICY_MAX_BYTES || !INLINE_POLICY_CHARACTERS.test(current))
    return { ok: false, reason: "the current inline policy is larger than AWS allows or holds characters it does not" };
  let root: JsonNode;
  try {
    root = new JsonScanner(current).document();
  } catch (error) {
    return { ok: false, reason: `the current inline policy is not valid JSON (${(error as Error).message})` };
  }
  if (root.kind !== "object") return { ok: false, reason: "the current inline policy is not a JSON object" };
  const statementMember = root.members.find((member) => member.key === "Statement");
  if (!statementMember) return { ok: false, reason: "the current inline policy has no Statement" };
  const elements =
    statementMember.value.kind === "array"
      ? statementMember.value.items
      : statementMember.value.kind === "object"
        ? [statementMember.value]
        : null;
  if (!elements) return { ok: false, reason: "the current inline policy's Statement is neither an object nor a list" };

  const customer: string[] = [];
  const portal: WrittenRevocation[] = [];
  const portalUsers = new Set<string>();
  let portalStatementCount = 0;
  for (const [index, element] of elements.entries()) {
    if (element.kind !== "object") return { ok: false, reason: `statement ${index} is not an object` };
    const sid = element.members.find((member) => member.key === "Sid")?.value;
    const text = current.slice(element.start, element.end);
    if (!(sid?.kind === "string" && sid.value.startsWith(REVOCATION_SID_PREFIX))) {
      customer.push(text);
      continue;
    }
    const revocations = asPortalStatement(JSON.parse(text) as unknown);
    if (!revocations)
      return { ok: false, reason: `statement ${index} uses the portal's Sid prefix but is not a portal statement` };
    for (const revocation of revocations) {
      const key = `${revocation.accountId ?? "*"}/${revocation.identityStoreUserId}`;
      if (portalUsers.has(key)) return { ok: false, reason: `statement ${index} repeats a portal statement` };
      portalUsers.add(key);
      portal.push(revocation);
    }
    portalStatementCount += 1;
  }
  return {
    ok: true,
    document: {
      members: root.members.map((member) => ({
        key: member.key,
        keyText: current.slice(member.keyStart, member.keyEnd),
        valueText: current.slice(member.value.start, member.value.end),
      })),
      customer,
      portal: portal.sort(compareRevocations),
      portalStatementCount,
    },
  };
}

/** The revocations a statement encodes, only if the statement is exactly what the portal would write (or wrote before account scoping). */
function asPortalStatement(value: unknown): WrittenRevocation[] | null {
  const condition = (value as { Condition?: Record<string, Record<string, unknown>> } | null)?.Condition;
  const users = condition?.StringEquals?.["identitystore:userId"];
  const account = condition?.StringEquals?.["aws:PrincipalAccount"];
  if (account !== undefined && !(typeof account === "string" && isAccountId(account))) return null;
  const accountId = account ?? null;
  const cutoff = condition?.DateLessThan?.["aws:TokenIssueTime"];
  const userIds = typeof users === "string" ? [users] : Array.isArray(users) && users.length > 1 ? users : null;
  if (!userIds?.every((id): id is string => typeof id === "string" && isIdentityStoreUserId(id))) return null;
  if (typeof cutoff !== "string" || !CUTOFF_TEXT.test(cutoff) || Number.isNaN(Date.parse(cutoff))) return null;
  const at = new Date(cutoff);
  if (cutoffText(at) !== cutoff) return null;
  if (canonicalJson(value) !== canonicalJson(groupStatement(at, accountId, userIds))) return null;
  return userIds.map((identityStoreUserId) => ({ identityStoreUserId, accountId, cutoff: at }));
}

// An old unscoped statement never equals a wanted one, so the next edit rewrites it scoped (or drops it when due).
function sameStatements(a: readonly WrittenRevocation[], b: readonly Revocation[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (x, i) =>
        x.identityStoreUserId === b[i]!.identityStoreUserId &&
        x.accountId === b[i]!.accountId &&
        x.cutoff.getTime() === b[i]!.cutoff.getTime(),
    )
  );
}

const compareRevocations = (a: WrittenRevocation, b: WrittenRevocation) =>
  compareText(a.accountId ?? "", b.accountId ?? "") || compareText(a.identityStoreUserId, b.identityStoreUserId);

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort(compareText)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

const laterOf = (a: Date, b: Date) => (a.getTime() >= b.getTime() ? a : b);
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// ---- a strict JSON scanner that remembers where every value is ------------------------------

type JsonNode = { start: number; end: number } & (
  | { kind: "object"; members: { key: string; keyStart: number; keyEnd: number; value: JsonNode }[] }
  | { kind: "array"; items: JsonNode[] }
  | { kind: "string"; value: string }
  | { kind: "scalar" }
);

const STRING_TOKEN = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER_TOKEN = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERAL_TOKEN = /true|false|null/y;

class JsonScanner {
  private at = 0;
  constructor(private readonly text: string) {}

  document(): JsonNode {
    const node = this.value(0);
    this.skipWhitespace();
    if (this.at !== this.text.length) throw new Error(`unexpected text at offset ${this.at}`);
    return node;
  }

  private value(depth: number): JsonNode {
    if (depth > MAX_NESTING) throw new Error("nested too deeply");
    this.skipWhitespace();
    const start = this.at;
    const next = this.text[this.at];
    if (next === "{") return this.object(start, depth);
    if (next === "[") return this.array(start, depth);
    if (next === '"') return { kind: "string", value: this.string(), start, end: this.at };
    if (this.token(NUMBER_TOKEN) || this.token(LITERAL_TOKEN)) return { kind: "scalar", start, end: this.at };
    throw new Error(`unexpected ${next === undefined ? "end" : "character"} at offset ${start}`);
  }

  private object(start: number, depth: number): JsonNode {
    this.at++;
    const members: Extract<JsonNode, { kind: "object" }>["members"] = [];
    const keys = new Set<string>();
    this.skipWhitespace();
    if (this.text[this.at] === "}") return { kind: "object", members, start, end: ++this.at };
    for (;;) {
      this.skipWhitespace();
      const keyStart = this.at;
      if (this.text[this.at] !== '"') throw new Error(`expected a key at offset ${this.at}`);
      const key = this.string();
      const keyEnd = this.at;
      // A repeated key means two readers may see two different policies: refuse rather than guess.
      if (keys.has(key)) throw new Error(`repeated key at offset ${keyStart}`);
      keys.add(key);
      this.expect(":");
      members.push({ key, keyStart, keyEnd, value: this.value(depth + 1) });
      if (this.separatorOrEnd("}")) return { kind: "object", members, start, end: this.at };
    }
  }

  private array(start: number, depth: number): JsonNode {
    this.at++;
    const items: JsonNode[] = [];
    this.skipWhitespace();
    if (this.text[this.at] === "]") return { kind: "array", items, start, end: ++this.at };
    for (;;) {
      items.push(this.value(depth + 1));
      if (this.separatorOrEnd("]")) return { kind: "array", items, start, end: this.at };
    }
  }

  private separatorOrEnd(close: "}" | "]"): boolean {
    this.skipWhitespace();
    const next = this.text[this.at++];
    if (next === close) return true;
    if (next === ",") return false;
    throw new Error(`expected "," or "${close}" at offset ${this.at - 1}`);
  }

  private string(): string {
    const start = this.at;
    if (!this.token(STRING_TOKEN)) throw new Error(`malformed string at offset ${start}`);
    return JSON.parse(this.text.slice(start, this.at)) as string;
  }

  private expect(char: string) {
    this.skipWhitespace();
    if (this.text[this.at] !== char) throw new Error(`expected "${char}" at offset ${this.at}`);
    this.at++;
  }

  private token(pattern: RegExp): boolean {
    pattern.lastIndex = this.at;
    if (!pattern.test(this.text)) return false;
    this.at = pattern.lastIndex;
    return true;
  }

  private skipWhitespace() {
    while (this.at < this.text.length && " \t\n\r".includes(this.text[this.at]!)) this.at++;
  }
}

/** ProvisionPermissionSet FAILED because the set has no assignment (so no role) left in that account (reference §2.7). */
/**
 * After the set left the account (its last assignment deleted), no session of it can be issued there any more, so a
 * deny of the same user already provisioned with a cutoff not before now covers every session the user can hold.
 */
export function coversAfterDeprovision(
  candidate: { status: string; cutoff: Date; identityStoreUserId: string | null },
  row: { identityStoreUserId: string | null },
  now: Date,
): boolean {
  return (
    candidate.status === "VERIFIED" &&
    candidate.identityStoreUserId !== null &&
    candidate.identityStoreUserId === row.identityStoreUserId &&
    candidate.cutoff.getTime() >= now.getTime()
  );
}

export function isNotProvisionedFailure(reason: string | null | undefined): boolean {
  return typeof reason === "string" && /\b404\b[\s\S]*assignment not found/i.test(reason);
}
