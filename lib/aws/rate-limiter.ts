/** Client-side pacing: `acquire()` resolves when the caller may send one request. */
export interface RateLimiter {
  acquire(): Promise<void>;
}

export const NO_RATE_LIMIT: RateLimiter = { acquire: () => Promise.resolve() };
