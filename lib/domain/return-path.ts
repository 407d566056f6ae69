// Where a visitor goes back to after sign-in: a page of this portal only, so a crafted link can never send a signed-in user elsewhere.

export const HOME_PATH = "/";
export const SIGN_IN_PATH = "/signin";
/** The sign-in page's query parameter (the name next-auth uses for the same purpose). */
export const RETURN_PATH_PARAM = "callbackUrl";
/** Longer targets are refused, not trimmed: no portal page needs a 2 KB address. */
export const MAX_RETURN_PATH_LENGTH = 2048;

/** Printable ASCII without space: browsers send addresses percent-encoded, so anything else (CR/LF, tabs, unicode slashes) is a trick. */
const URL_CHARACTERS = /^[\x21-\x7E]+$/;
/** What a decoded path may hold: no controls, no backslash, nothing beyond ASCII (look-alike slashes). */
const DECODED_PATH_CHARACTERS = /^[\x20-\x5B\x5D-\x7E]*$/;
/** Not pages a person returns to: auth endpoints (a sign-in loop), the other APIs and Next's assets. */
const NOT_A_PAGE = /^\/(?:api|_next)(?:[/;]|$)/i;
/** %00-%1F, %7F and UTF-8 C1 controls: an encoded CR/LF in the query is never part of a real link. */
const ENCODED_CONTROL = /%(?:[01][0-9a-f]|7f|c2%[89][0-9a-f])/i;
const DOT_SEGMENT = /(?:^|\/)\.{1,2}(?:\/|$)/;
/** Decoding more than this many layers is a disguise, not an address a browser produced. */
const MAX_ENCODING_LAYERS = 3;
const PROBE_ORIGIN = "http://return-path.invalid";

function parseUrl(value: string, base?: string): URL | null {
  try {
    return new URL(value, base);
  } catch {
    return null;
  }
}

function decodeLayers(value: string): string | null {
  let current = value;
  for (let layer = 0; layer <= MAX_ENCODING_LAYERS; layer++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return null;
    }
    if (next === current) return current;
    current = next;
  }
  return null;
}

/** The path+query(+hash) on this origin to send a visitor to after sign-in, or null when the candidate could lead anywhere else. */
export function safeReturnPath(candidate: unknown, origin?: string): string | null {
  if (typeof candidate !== "string" || candidate.length === 0 || candidate.length > MAX_RETURN_PATH_LENGTH) return null;
  if (!URL_CHARACTERS.test(candidate) || candidate.includes("\\")) return null;
  let path = candidate;
  if (!candidate.startsWith("/")) {
    // An absolute URL counts only when it names exactly this origin (next-auth keeps the target that way in its cookie).
    const expected = origin === undefined ? null : parseUrl(origin);
    const absolute = parseUrl(candidate);
    if (!expected || !absolute || absolute.origin === "null" || absolute.origin !== expected.origin) return null;
    if (absolute.username || absolute.password) return null;
    path = absolute.pathname + absolute.search + absolute.hash;
  }
  // "//host" and "/\host" are protocol-relative: a browser reads the second slash as the start of another origin.
  if (path.startsWith("//")) return null;
  const resolved = parseUrl(path, PROBE_ORIGIN);
  if (!resolved || resolved.origin !== PROBE_ORIGIN) return null;
  const decodedPath = decodeLayers(resolved.pathname);
  if (decodedPath === null || !DECODED_PATH_CHARACTERS.test(decodedPath)) return null;
  if (decodedPath.startsWith("//") || DOT_SEGMENT.test(decodedPath)) return null;
  if (NOT_A_PAGE.test(resolved.pathname) || NOT_A_PAGE.test(decodedPath)) return null;
  if (ENCODED_CONTROL.test(resolved.search + resolved.hash)) return null;
  return resolved.pathname + resolved.search + resolved.hash;
}

/** The absolute URL on `origin` a finished sign-in (or sign-out) redirects to: the candidate when safe, else the home page. */
export function returnUrlOnOrigin(candidate: unknown, origin: string): string {
  const base = parseUrl(origin);
  if (!base) return HOME_PATH;
  return base.origin + (safeReturnPath(candidate, base.origin) ?? HOME_PATH);
}

/** The sign-in page that brings a signed-out visitor of `requested` back there afterwards. */
export function signInPathFor(requested: unknown): string {
  const path = safeReturnPath(requested);
  if (path === null || path === HOME_PATH) return SIGN_IN_PATH;
  return `${SIGN_IN_PATH}?${new URLSearchParams({ [RETURN_PATH_PARAM]: path })}`;
}
