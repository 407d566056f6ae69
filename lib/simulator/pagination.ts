// Opaque, HMAC-signed page tokens bound to the operation and its other parameters.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Input } from "./validation";

const MAC_LENGTH = 22; // base64url of 16 bytes

interface TokenPayload {
  /** operation */
  o: string;
  /** fingerprint of the non-paging parameters */
  f: string;
  /** offset of the next item */
  i: number;
  /** the page that issued this token was deliberately empty */
  e?: 1;
}

export interface PageRequest {
  operation: string;
  input: Input;
  defaultPageSize: number;
  /** Permit a deliberately empty page that still carries a token (documented for some APIs). */
  emptyPageChance?: number;
  random?: () => number;
  invalidToken: () => Error;
}

export interface Page<T> {
  items: T[];
  nextToken: string | undefined;
}

function fingerprint(input: Input): string {
  const rest = { ...input };
  delete rest.NextToken;
  delete rest.MaxResults;
  return createHash("sha1").update(JSON.stringify(rest)).digest("base64url").slice(0, 10);
}

export class PageTokens {
  // A fresh key per process: tokens from an earlier run are rejected like expired ones.
  constructor(private readonly key: Buffer = randomBytes(32)) {}

  private sign(payload: string): string {
    return createHmac("sha256", this.key).update(payload).digest("base64url").slice(0, MAC_LENGTH);
  }

  private encode(payload: TokenPayload): string {
    const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
    return `${this.sign(body)}${body}`;
  }

  private decode(token: string): TokenPayload | undefined {
    if (token.length <= MAC_LENGTH) return undefined;
    const mac = Buffer.from(token.slice(0, MAC_LENGTH));
    const body = token.slice(MAC_LENGTH);
    const expected = Buffer.from(this.sign(body));
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return undefined;
    try {
      const payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as TokenPayload;
      return typeof payload.o === "string" &&
        typeof payload.f === "string" &&
        Number.isInteger(payload.i) &&
        payload.i >= 0
        ? payload
        : undefined;
    } catch {
      return undefined;
    }
  }

  paginate<T>(items: readonly T[], request: PageRequest): Page<T> {
    const rawToken = request.input.NextToken;
    const requestFingerprint = fingerprint(request.input);
    let offset = 0;
    let previousPageWasEmpty = false;
    if (typeof rawToken === "string" && rawToken !== "") {
      const payload = this.decode(rawToken);
      if (!payload || payload.o !== request.operation || payload.f !== requestFingerprint) throw request.invalidToken();
      offset = payload.i;
      previousPageWasEmpty = payload.e === 1;
    }
    const pageSize = typeof request.input.MaxResults === "number" ? request.input.MaxResults : request.defaultPageSize;
    const hasMore = offset < items.length;
    // Never two empty pages in a row, so a client that keeps following tokens always finishes.
    if (
      hasMore &&
      !previousPageWasEmpty &&
      request.emptyPageChance &&
      (request.random ?? Math.random)() < request.emptyPageChance
    ) {
      return { items: [], nextToken: this.encode({ o: request.operation, f: requestFingerprint, i: offset, e: 1 }) };
    }
    const end = Math.min(offset + pageSize, items.length);
    const page = items.slice(offset, end);
    const nextToken =
      end < items.length ? this.encode({ o: request.operation, f: requestFingerprint, i: end }) : undefined;
    return { items: page, nextToken };
  }
}
