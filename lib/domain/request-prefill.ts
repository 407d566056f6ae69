// "Request again": an earlier request's targets, duration and justification carried to the request form in its URL.

export interface RequestPrefill {
  /** "accountId|permissionSetArn", the form's own target key. */
  targets: string[];
  durationMinutes: number | null;
  justification: string;
}

// The form validates everything again on submit; these bounds only keep a hand-made URL from filling the page.
const MAX_TARGETS = 50;
const MAX_JUSTIFICATION = 2000;
const MAX_DURATION_MINUTES = 60 * 24 * 30;
const TARGET_KEY = /^\d{12}\|arn:aws:sso:::permissionSet\/[\w-]+\/ps-[\w]+$/;
// Control characters other than newline and tab, and text-direction overrides, never reach the form.
const UNSAFE_TEXT = /[\u0000-\u0008\u000B-\u001F\u007F\u202A-\u202E\u2066-\u2069]/g;

/** The query string that prefills the request form from an earlier request. */
export function requestAgainQuery(request: {
  targets: readonly { accountId: string; permissionSetArn: string }[];
  durationMinutes: number;
  justification: string;
}): string {
  const params = new URLSearchParams();
  for (const t of request.targets) params.append("target", `${t.accountId}|${t.permissionSetArn}`);
  params.set("duration", String(request.durationMinutes));
  params.set("justification", request.justification);
  return params.toString();
}

/** Reads the prefill back from page search params; anything malformed is dropped, never an error. */
export function readRequestPrefill(params: Record<string, string | string[] | undefined>): RequestPrefill | undefined {
  const list = (key: string) => {
    const value = params[key];
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  };
  const targets = [...new Set(list("target").filter((key) => TARGET_KEY.test(key)))].slice(0, MAX_TARGETS);
  const durationText = list("duration")[0] ?? "";
  const duration = /^\d{1,6}$/.test(durationText) ? Number(durationText) : NaN;
  const durationMinutes = duration > 0 && duration <= MAX_DURATION_MINUTES ? duration : null;
  const justification = (list("justification")[0] ?? "").replace(UNSAFE_TEXT, "").slice(0, MAX_JUSTIFICATION);
  if (targets.length === 0 && durationMinutes === null && justification === "") return undefined;
  return { targets, durationMinutes, justification };
}
