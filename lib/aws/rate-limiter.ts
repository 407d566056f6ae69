/** Client-side pacing: `acquire()` resolves when the caller may send one request. */
export interface RateLimiter {
  // Callers only await it; an implementation may resolve with a diagnostic (the Postgres bucket reports its token's time).
  acquire(): Promise<unknown>;
}

export const NO_RATE_LIMIT: RateLimiter = { acquire: () => Promise.resolve() };
