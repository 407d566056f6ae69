// The IAM credential report (CSV) read into typed rows, and the long-lived credential measures taken from them.

export const ROOT_ACCOUNT_USER = "<root_account>";

/** Columns a report must have; any other column (AWS adds some over time) is ignored. */
export const REQUIRED_COLUMNS = [
  "user",
  "arn",
  "user_creation_time",
  "password_enabled",
  "mfa_active",
  "access_key_1_active",
  "access_key_1_last_rotated",
  "access_key_1_last_used_date",
  "access_key_2_active",
  "access_key_2_last_rotated",
  "access_key_2_last_used_date",
] as const;

export interface CredentialReportKey {
  slot: 1 | 2;
  active: boolean;
  /** When the key was created or last rotated; null only for a key slot that holds no key. */
  lastRotatedAt: Date | null;
  /** null: never used (N/A), or used before AWS started tracking it. */
  lastUsedAt: Date | null;
  lastUsedService: string | null;
}

export interface CredentialReportRow {
  user: string;
  arn: string;
  isRoot: boolean;
  createdAt: Date | null;
  /** Root's is "not_supported": reported as false, as the root always has a password. */
  passwordEnabled: boolean;
  passwordLastUsedAt: Date | null;
  mfaActive: boolean;
  accessKeys: CredentialReportKey[];
}

export type ParsedCredentialReport = { ok: true; rows: CredentialReportRow[] } | { ok: false; problem: string };

/** Values AWS writes where a date does not apply or is unknown. */
const NO_DATE = new Set(["N/A", "no_information", "not_supported", ""]);
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** RFC 4180 records: quoted fields may hold commas, quotes ("") and line breaks. */
function splitCsv(text: string): string[][] | string {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  let fieldStarted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quoted) {
      if (char !== '"') field += char;
      else if (text[index + 1] === '"') {
        field += '"';
        index++;
      } else {
        quoted = false;
        const next = text[index + 1];
        if (next !== undefined && next !== "," && next !== "\n" && next !== "\r")
          return `line ${records.length + 1}: text after a closing quote`;
      }
    } else if (char === '"') {
      if (fieldStarted) return `line ${records.length + 1}: a quote inside an unquoted field`;
      quoted = true;
      fieldStarted = true;
    } else if (char === ",") {
      record.push(field);
      field = "";
      fieldStarted = false;
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[index + 1] === "\n") index++;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      fieldStarted = false;
    } else {
      field += char;
      fieldStarted = true;
    }
  }
  if (quoted) return `line ${records.length + 1}: a quoted field is never closed`;
  if (fieldStarted || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  // Blank lines (a trailing newline included) carry no row.
  return records.filter((fields) => !(fields.length === 1 && fields[0] === ""));
}

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

function parseTime(value: string): Date | null | undefined {
  if (NO_DATE.has(value)) return null;
  const match = ISO_TIME.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth(year!, month!)) return undefined;
  if (hour! > 23 || minute! > 59 || second! > 59) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function parseBoolean(value: string): boolean | undefined {
  if (value === "true") return true;
  if (value === "false" || value === "not_supported") return false;
  return undefined;
}

class RowProblem extends Error {}

/** Reads the whole report or says what is wrong with it; a report that cannot be read whole is never half-measured. */
export function parseCredentialReport(csv: string): ParsedCredentialReport {
  const text = csv.startsWith("\uFEFF") ? csv.slice(1) : csv;
  const records = splitCsv(text);
  if (typeof records === "string") return { ok: false, problem: records };
  const [header, ...body] = records;
  if (!header) return { ok: false, problem: "the report is empty" };
  const names = header.map((name) => name.trim());
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) return { ok: false, problem: `the column ${duplicate} appears twice` };
  const missing = REQUIRED_COLUMNS.filter((column) => !names.includes(column));
  if (missing.length > 0)
    return { ok: false, problem: `the report has no ${missing.join(", ")} column${missing.length > 1 ? "s" : ""}` };

  const rows: CredentialReportRow[] = [];
  const seen = new Set<string>();
  try {
    for (const [index, fields] of body.entries()) {
      const line = index + 2;
      if (fields.length !== names.length)
        throw new RowProblem(`line ${line} has ${fields.length} fields where the header has ${names.length}`);
      const cell = (column: string) => fields[names.indexOf(column)]?.trim() ?? "";
      const time = (column: string) => {
        if (!names.includes(column)) return null;
        const parsed = parseTime(cell(column));
        if (parsed === undefined) throw new RowProblem(`line ${line}: ${column} is not a date`);
        return parsed;
      };
      const flag = (column: string) => {
        const parsed = parseBoolean(cell(column));
        if (parsed === undefined) throw new RowProblem(`line ${line}: ${column} is neither true nor false`);
        return parsed;
      };
      const user = cell("user");
      if (user === "") throw new RowProblem(`line ${line}: the user is empty`);
      if (seen.has(user)) throw new RowProblem(`line ${line}: the user ${user} appears twice`);
      seen.add(user);
      const accessKeys = ([1, 2] as const).map((slot) => {
        const key: CredentialReportKey = {
          slot,
          active: flag(`access_key_${slot}_active`),
          lastRotatedAt: time(`access_key_${slot}_last_rotated`),
          lastUsedAt: time(`access_key_${slot}_last_used_date`),
          lastUsedService: names.includes(`access_key_${slot}_last_used_service`)
            ? NO_DATE.has(cell(`access_key_${slot}_last_used_service`))
              ? null
              : cell(`access_key_${slot}_last_used_service`)
            : null,
        };
        // An active key always has a creation date; without one its age could only be guessed.
        if (key.active && key.lastRotatedAt === null)
          throw new RowProblem(`line ${line}: access key ${slot} is active but has no rotation date`);
        return key;
      });
      rows.push({
        user,
        arn: cell("arn"),
        isRoot: user === ROOT_ACCOUNT_USER,
        createdAt: time("user_creation_time"),
        passwordEnabled: flag("password_enabled"),
        passwordLastUsedAt: time("password_last_used"),
        mfaActive: flag("mfa_active"),
        accessKeys,
      });
    }
  } catch (error) {
    if (error instanceof RowProblem) return { ok: false, problem: error.message };
    throw error;
  }
  // Without the root row, root access keys would silently count as zero.
  if (!rows.some((row) => row.isRoot)) return { ok: false, problem: `the report has no ${ROOT_ACCOUNT_USER} row` };
  return { ok: true, rows };
}

export interface CredentialMeasureOptions {
  now: Date;
  /** An active key older than this is "old" (default 90). */
  oldKeyDays?: number;
  /** An active key not used for this long (or never, once this old) is "unused" (default 90). */
  unusedKeyDays?: number;
}

export interface ActiveKeyMeasure {
  user: string;
  arn: string;
  isRoot: boolean;
  slot: 1 | 2;
  ageDays: number;
  lastUsedAt: Date | null;
  old: boolean;
  unused: boolean;
}

export interface CredentialMeasures {
  /** IAM users, the root user not counted. */
  iamUsers: number;
  /** Active access keys, the root user's included. */
  activeAccessKeys: number;
  oldKeys: number;
  unusedKeys: number;
  /** Active access keys of the root user. */
  rootAccessKeys: number;
  /** Users who can sign in with a password and have no MFA device; the root user counts when it has no MFA. */
  usersWithoutMfa: number;
  keys: ActiveKeyMeasure[];
  usersWithoutMfaNames: string[];
}

const DAY_MS = 86_400_000;

export function measureCredentialReport(
  rows: readonly CredentialReportRow[],
  options: CredentialMeasureOptions,
): CredentialMeasures {
  const nowMs = options.now.getTime();
  const oldMs = (options.oldKeyDays ?? 90) * DAY_MS;
  const unusedMs = (options.unusedKeyDays ?? 90) * DAY_MS;
  const keys: ActiveKeyMeasure[] = rows.flatMap((row) =>
    row.accessKeys
      .filter((key) => key.active)
      .map((key) => {
        const ageMs = Math.max(0, nowMs - (key.lastRotatedAt?.getTime() ?? nowMs));
        const idleMs = key.lastUsedAt ? Math.max(0, nowMs - key.lastUsedAt.getTime()) : ageMs;
        return {
          user: row.user,
          arn: row.arn,
          isRoot: row.isRoot,
          slot: key.slot,
          ageDays: Math.floor(ageMs / DAY_MS),
          lastUsedAt: key.lastUsedAt,
          old: ageMs > oldMs,
          unused: idleMs > unusedMs,
        };
      }),
  );
  const withoutMfa = rows.filter((row) => !row.mfaActive && (row.isRoot || row.passwordEnabled));
  return {
    iamUsers: rows.filter((row) => !row.isRoot).length,
    activeAccessKeys: keys.length,
    oldKeys: keys.filter((key) => key.old).length,
    unusedKeys: keys.filter((key) => key.unused).length,
    rootAccessKeys: keys.filter((key) => key.isRoot).length,
    usersWithoutMfa: withoutMfa.length,
    keys,
    usersWithoutMfaNames: withoutMfa.map((row) => row.user),
  };
}
