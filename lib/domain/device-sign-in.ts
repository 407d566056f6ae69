// Device sign-in (RFC 8628): code formats, lifetimes and the answer to each poll of the token endpoint.

/** The web session's fixed lifetime (next-auth maxAge); an API token never outlives what a web sign-in would grant. */
export const WEB_SESSION_MAX_AGE_MINUTES = 8 * 60;
export const DEVICE_CODE_TTL_SECONDS = 600;
export const DEVICE_POLL_INTERVAL_SECONDS = 5;
export const DEVICE_CLIENT_ID = "jit-cli";

// RFC 8628 section 6.1: consonants only, so no word is spelled and no 0/O or 1/I confusion; 20^8 codes.
export const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";
export const USER_CODE_LENGTH = 8;

/** A user code from random bytes, or null when too few were usable; bytes ≥ 240 are skipped so every letter is equally likely. */
export function userCodeFromBytes(bytes: Uint8Array): string | null {
  const chars: string[] = [];
  for (const byte of bytes) {
    if (byte >= 240) continue;
    chars.push(USER_CODE_ALPHABET[byte % USER_CODE_ALPHABET.length]!);
    if (chars.length === USER_CODE_LENGTH) return chars.join("");
  }
  return null;
}

/** "ABCDEFGH" shown as "ABCD-EFGH". */
export function displayUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** What a person typed, with case, spaces and dashes forgiven; null when it cannot be a user code at all. */
export function normalizeUserCode(typed: string): string | null {
  const code = typed.toUpperCase().replace(/[\s-]/g, "");
  if (code.length !== USER_CODE_LENGTH) return null;
  return [...code].every((c) => USER_CODE_ALPHABET.includes(c)) ? code : null;
}

export type DeviceAuthorizationState = "PENDING" | "APPROVED" | "DENIED" | "CONSUMED";

export type PollAnswer =
  "issue" | "authorization_pending" | "slow_down" | "access_denied" | "expired_token" | "invalid_grant";

/** RFC 8628 section 3.5: what the token endpoint answers to one poll. */
export function answerPoll(
  authorization: { status: DeviceAuthorizationState; expiresAt: Date; lastPolledAt: Date | null } | null,
  now: Date,
): PollAnswer {
  if (!authorization || authorization.status === "CONSUMED") return "invalid_grant";
  if (authorization.status === "DENIED") return "access_denied";
  if (authorization.expiresAt.getTime() <= now.getTime()) return "expired_token";
  if (authorization.status === "APPROVED") return "issue";
  // A poll sooner than the interval (with a second of slack for timers) is told to slow down.
  const sinceLast = authorization.lastPolledAt ? now.getTime() - authorization.lastPolledAt.getTime() : Infinity;
  return sinceLast < (DEVICE_POLL_INTERVAL_SECONDS - 1) * 1000 ? "slow_down" : "authorization_pending";
}

/** When a token issued now expires: the configured lifetime, never above the web session's. */
export function apiTokenExpiresAt(now: Date, ttlMinutes: number): Date {
  const minutes = Math.max(1, Math.min(ttlMinutes, WEB_SESSION_MAX_AGE_MINUTES));
  return new Date(now.getTime() + minutes * 60_000);
}

/** A token is usable until it is revoked or expires. */
export function apiTokenUsable(token: { revokedAt: Date | null; expiresAt: Date }, now: Date): boolean {
  return token.revokedAt === null && token.expiresAt.getTime() > now.getTime();
}
