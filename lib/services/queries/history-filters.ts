import { z } from "zod";
import { AppError } from "../../domain/errors";
import { historyRangeProblem } from "../../domain/history-range";
import { REQUEST_STATUSES } from "../../domain/request-lifecycle";
import { safeText } from "../../domain/safe-text";

// The dashboard, its charts and the export share one filter shape; it lives in the URL so a view can be shared.

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;

const Bound = z
  .string()
  .trim()
  .refine(
    (v) => (DAY.test(v) || DATETIME.test(v)) && !Number.isNaN(Date.parse(DAY.test(v) ? `${v}T00:00:00Z` : v)),
    "Use a date such as 2025-01-31 or an ISO date-time.",
  );
const Email = safeText()
  .toLowerCase()
  .max(320)
  .regex(/^[^\s@]+@[^\s@]+$/, "Use an email address.");
const StatusList = z.preprocess(
  (v) => (typeof v === "string" ? v.split(",").filter(Boolean) : v),
  z.array(z.enum(REQUEST_STATUSES)).min(1).max(REQUEST_STATUSES.length),
);

export const HISTORY_SORTS = ["newest", "oldest"] as const;
/** "break-glass": only emergency access requests. */
export const HISTORY_KINDS = ["break-glass"] as const;
export type HistorySort = (typeof HISTORY_SORTS)[number];

const FIELD_SCHEMAS = {
  from: Bound,
  to: Bound,
  requester: Email,
  approver: Email,
  account: z
    .string()
    .trim()
    .regex(/^\d{12}$/, "Use a 12-digit account id."),
  ou: z
    .string()
    .trim()
    .regex(/^(r|ou)-[0-9a-z-]{1,64}$/, "Use an OU or root id such as ou-ab12-cd34ef56."),
  permissionSet: z
    .string()
    .trim()
    .max(1224)
    .regex(/^arn:aws[a-z-]*:sso:::permissionSet\/[\w./-]+$/, "Use a permission set ARN."),
  status: StatusList,
  event: z
    .string()
    .trim()
    .max(64)
    .regex(/^[a-z][a-z_]*\.[a-z][a-z_]*$/, "Use an event type such as request.revoked."),
  q: safeText().min(1).max(200),
  kind: z.enum(HISTORY_KINDS),
  sort: z.enum(HISTORY_SORTS),
} as const;

export type HistoryFilterKey = keyof typeof FIELD_SCHEMAS;
export const HISTORY_FILTER_KEYS = Object.keys(FIELD_SCHEMAS) as HistoryFilterKey[];

export const HistoryFilters = z.object({
  from: FIELD_SCHEMAS.from.optional(),
  to: FIELD_SCHEMAS.to.optional(),
  requester: FIELD_SCHEMAS.requester.optional(),
  approver: FIELD_SCHEMAS.approver.optional(),
  account: FIELD_SCHEMAS.account.optional(),
  ou: FIELD_SCHEMAS.ou.optional(),
  permissionSet: FIELD_SCHEMAS.permissionSet.optional(),
  status: FIELD_SCHEMAS.status.optional(),
  event: FIELD_SCHEMAS.event.optional(),
  q: FIELD_SCHEMAS.q.optional(),
  kind: FIELD_SCHEMAS.kind.optional(),
  sort: FIELD_SCHEMAS.sort.default("newest"),
});
export type HistoryFilters = z.infer<typeof HistoryFilters>;

export interface HistoryCursor {
  createdAt: Date;
  id: string;
}

/** "<epoch ms>.<request id>": the keyset position of a row, readable and safe in a URL. */
export const Cursor = z
  .string()
  .regex(/^\d{1,15}\.[A-Za-z0-9_-]{1,64}$/, "Not a page position.")
  .transform((v): HistoryCursor => {
    const dot = v.indexOf(".");
    return { createdAt: new Date(Number(v.slice(0, dot))), id: v.slice(dot + 1) };
  });

export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return `${row.createdAt.getTime()}.${row.id}`;
}

export const HistoryPageInput = HistoryFilters.extend({
  after: Cursor.optional(),
  before: Cursor.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
}).refine((v) => !(v.after && v.before), { message: "Use either after or before.", path: ["after"] });
export type HistoryPageInput = z.infer<typeof HistoryPageInput>;

/** Start of a bound: a bare date is that UTC day's midnight. */
export function lowerBound(value: string): Date {
  return new Date(DAY.test(value) ? `${value}T00:00:00Z` : value);
}

/** End of a bound, exclusive: a bare date includes that whole UTC day. */
export function upperBound(value: string): Date {
  const date = lowerBound(value);
  return DAY.test(value) ? new Date(date.getTime() + 86_400_000) : date;
}

/** The inverted-range message for these filters, or null. */
export function rangeProblem(filters: Pick<HistoryFilters, "from" | "to">): string | null {
  return historyRangeProblem(
    filters.from ? lowerBound(filters.from) : null,
    filters.to ? upperBound(filters.to) : null,
  );
}

/** Queries refuse an inverted range as a field error rather than answer it with an empty result. */
export function assertRangeMakesSense(filters: Pick<HistoryFilters, "from" | "to">): void {
  const problem = rangeProblem(filters);
  if (problem) throw new AppError("VALIDATION", problem, { fieldErrors: { from: [problem] } });
}

type RawParams = URLSearchParams | Record<string, string | string[] | undefined>;

function entries(params: RawParams): [string, string][] {
  if (params instanceof URLSearchParams) return [...params.entries()];
  return Object.entries(params).flatMap(([k, v]) =>
    v === undefined ? [] : Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, v] as [string, string]],
  );
}

/** Known, non-empty query parameters as input for the query functions (repeated `status` becomes a list). */
export function historyInputFromParams(
  params: RawParams,
  extraKeys: readonly string[] = ["after", "before", "limit", "format"],
): Record<string, string | string[]> {
  const allowed = new Set<string>([...HISTORY_FILTER_KEYS, ...extraKeys]);
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of entries(params)) {
    if (!allowed.has(key) || value.trim() === "") continue;
    if (key === "status")
      out.status = [...((out.status as string[] | undefined) ?? []), ...value.split(",").filter(Boolean)];
    else out[key] = value;
  }
  return out;
}

/** For pages: keeps the filters that parse and names the ones dropped, so a hand-edited URL still renders. */
export function readHistoryFilters(params: RawParams): {
  filters: HistoryFilters;
  ignored: HistoryFilterKey[];
  /** From is after To: the page says so and runs no query. */
  rangeProblem: string | null;
} {
  const raw = historyInputFromParams(params, []);
  const ignored: HistoryFilterKey[] = [];
  const valid: Record<string, unknown> = {};
  for (const key of HISTORY_FILTER_KEYS) {
    if (raw[key] === undefined) continue;
    const parsed = FIELD_SCHEMAS[key].safeParse(raw[key]);
    if (parsed.success) valid[key] = parsed.data;
    else ignored.push(key);
  }
  const filters = HistoryFilters.parse(valid);
  return { filters, ignored, rangeProblem: rangeProblem(filters) };
}

/** The canonical query string for a set of filters; the default sort is left out to keep links short. */
export function historySearchParams(
  filters: Partial<HistoryFilters>,
  extra: Record<string, string | undefined> = {},
): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of HISTORY_FILTER_KEYS) {
    const value = filters[key];
    if (value === undefined || (key === "sort" && value === "newest")) continue;
    params.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) params.set(key, value);
  return params;
}

export function hasActiveFilters(filters: HistoryFilters): boolean {
  return HISTORY_FILTER_KEYS.some((key) => key !== "sort" && filters[key] !== undefined);
}
