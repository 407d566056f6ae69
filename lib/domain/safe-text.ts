import { z } from "zod";

// One definition of text a person may submit: no control characters, no bidirectional overrides that could make an auditor read something else.

/** C0, DEL and C1 controls; a single-line field accepts none of them. */
const LINE_CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
/** The same without tab and newline, which a multi-line field keeps. */
const MULTILINE_CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;
/** Embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069). */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;

export const CONTROL_CHARACTER_MESSAGE = "Remove control characters (such as a null byte) from this field.";
export const BIDI_CONTROL_MESSAGE = "Remove invisible text-direction characters from this field.";

export type TextKind = "line" | "multiline";

/** A trimmed string without control characters or bidi controls; multi-line text keeps \n and \t (a browser's \r\n becomes \n). Chain .min()/.max() for lengths. */
export function safeText(kind: TextKind = "line") {
  const control = kind === "multiline" ? MULTILINE_CONTROL : LINE_CONTROL;
  return z
    .string()
    .overwrite((value) => (kind === "multiline" ? value.replace(/\r\n?/g, "\n") : value))
    .trim()
    .refine((value) => !control.test(value), CONTROL_CHARACTER_MESSAGE)
    .refine((value) => !BIDI_CONTROL.test(value), BIDI_CONTROL_MESSAGE);
}

/** A record id from a form or URL: one line, no controls, at most 64 characters. */
export function recordId(message = "Not a valid id.") {
  return safeText("line").min(1, message).max(64, message);
}

const PLAIN_DECIMAL = /^\d{1,7}$/;

/** A whole number written as plain decimal digits (never "0x10", "1e1", "1.0" or "") or given as a whole number. */
export function plainWholeNumber(message: string) {
  return z.unknown().transform((value, ctx): number => {
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
    if (typeof value === "string" && PLAIN_DECIMAL.test(value.trim())) return Number(value.trim());
    ctx.addIssue({ code: "custom", message });
    return z.NEVER;
  });
}

/** Whole minutes, as plainWholeNumber reads them. */
export function wholeMinutes(message = "Enter whole minutes, such as 60.") {
  return plainWholeNumber(message);
}
