import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "../db";
import { createTestDatabase, type TestDatabase } from "../testing/test-database";
import { PgRateLimiter, RateLimiterUnavailable } from "./pg-rate-limiter";
import { createPgSemaphore } from "./pg-semaphore";
import { createGrantClaims, SessionLocks } from "./pg-session-locks";

// Several limiter, semaphore and claim instances, each with its own connections, stand in for several worker processes.

let db: TestDatabase;
const clients: PrismaClient[] = [];
const sessions: SessionLocks[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function processDb() {
  const client = createPrismaClient(db.url);
  clients.push(client);
  return client;
}

function processLocks() {
  const locks = new SessionLocks(db.url, { log: () => {} });
  sessions.push(locks);
  return locks;
}

/** What SIGKILL does to a worker's lock session: the socket just closes. */
function killSession(locks: SessionLocks) {
  const client = (locks as unknown as { client: pg.Client | null }).client;
  (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
}

async function advisoryLocksHeld(classId: number) {
  const rows = await db.prisma.$queryRaw<
    { n: bigint }[]
  >`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = ${classId}::int4::oid AND objsubid = 2`;
  return Number(rows[0]!.n);
}

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  await Promise.all(clients.map((c) => c.$disconnect()));
  await db?.drop();
});

describe("PgRateLimiter", () => {
  it("keeps the combined rate of several processes within the bucket over every window", async () => {
    const rate = 40;
    const burst = 5;
    const limiters = Array.from(
      { length: 3 },
      () => new PgRateLimiter(processDb(), { name: "test-combined", ratePerSecond: rate, burst }),
    );
    const usableAt: number[] = [];
    const perProcess = 30;
    const started = performance.now();
    await Promise.all(
      limiters.flatMap((limiter) =>
        // Several concurrent callers per process, as handlers share one limiter.
        Array.from({ length: 3 }, async () => {
          // The bucket's clock, not when this event loop got round to resuming: a starved loop bunches resumptions.
          for (let i = 0; i < perProcess / 3; i++) usableAt.push(await limiter.acquire());
        }),
      ),
    );
    expect(usableAt).toHaveLength(90);
    usableAt.sort((a, b) => a - b);
    // A token bucket allows fewer than burst + rate x window in any half-open window; the spare one absorbs float rounding.
    for (const windowMs of [100, 250, 500, 1000]) {
      let most = 0;
      for (let start = 0, end = 0; start < usableAt.length; start++) {
        while (end < usableAt.length && usableAt[end]! < usableAt[start]! + windowMs) end++;
        most = Math.max(most, end - start);
      }
      expect(most, `requests within ${windowMs} ms`).toBeLessThanOrEqual(burst + (rate * windowMs) / 1000);
    }
    // acquire() really holds callers until their token's time (a few ms for the ms-rounded bucket clock and timers).
    expect(performance.now() - started).toBeGreaterThanOrEqual(usableAt.at(-1)! - usableAt[0]! - 5);
  });

  it("serves a burst at once, then puts callers into debt in arrival order", async () => {
    const limiter = new PgRateLimiter(processDb(), { name: "test-debt", ratePerSecond: 10, burst: 2 });
    const taken = [];
    for (let i = 0; i < 5; i++) taken.push(await limiter.take());
    expect(taken.slice(0, 2).map((t) => t.waitMs)).toEqual([0, 0]);
    // Each later caller's token comes a tenth of a second after the one before on the bucket's clock, however long this
    // process took between calls (0.01 ms for float8 epoch rounding); nobody owes more than the whole queue ahead.
    for (let i = 2; i < 5; i++) {
      expect(taken[i]!.usableAtMs - taken[0]!.usableAtMs).toBeGreaterThanOrEqual((i - 1) * 100 - 0.01);
      expect(taken[i]!.waitMs).toBeLessThanOrEqual((i - 1) * 100 + 1);
    }
  });

  it("spaces callers the bucket lets through together, so a starved loop's resumptions do not reach AWS as a clump", async () => {
    // Five callers the bucket serves at once (its answer stubbed, so a slow database cannot spread them): this process
    // still lets them go half a token (500 ms) apart. Each wait is recorded as the instant it ends.
    class FullBucket extends PgRateLimiter {
      override async take() {
        return { waitMs: 0, usableAtMs: 0 };
      }
    }
    const releasedAt: number[] = [];
    const sleep = (ms: number) => (releasedAt.push(performance.now() + ms), new Promise((r) => setTimeout(r, ms)));
    const limiter = new FullBucket(processDb(), { name: "test-spacing", ratePerSecond: 1, burst: 5, sleep });
    await Promise.all(Array.from({ length: 5 }, () => limiter.acquire()));
    // The first goes at once; the other four wait their turn.
    expect(releasedAt).toHaveLength(4);
    releasedAt.sort((a, b) => a - b);
    for (let i = 1; i < releasedAt.length; i++) expect(releasedAt[i]! - releasedAt[i - 1]!).toBeGreaterThanOrEqual(499);
  });

  it("reports an unreachable database as a retryable failure, not a silent pass", async () => {
    const dead = createPrismaClient(db.url.replace(/:(\d+)\//, ":1/"));
    const limiter = new PgRateLimiter(dead, { name: "test-dead", ratePerSecond: 10 });
    const error = await limiter.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimiterUnavailable);
    expect((error as RateLimiterUnavailable).$retryable).toBeDefined();
    await dead.$disconnect();
  });
});

describe("createPgSemaphore", () => {
  it("never lets more than the limit run at once across processes", async () => {
    const limit = 4;
    const semaphores = Array.from({ length: 3 }, () =>
      createPgSemaphore(processLocks(), { limit, classId: 101, pollMs: 10 }),
    );
    let running = 0;
    let most = 0;
    await Promise.all(
      semaphores.flatMap((semaphore) =>
        Array.from({ length: 8 }, async () => {
          const release = await semaphore.acquire();
          running += 1;
          most = Math.max(most, running);
          // Each holder checks the database agrees: never more advisory slot locks than the limit.
          expect(await advisoryLocksHeld(101)).toBeLessThanOrEqual(limit);
          await sleep(5 + Math.random() * 20);
          running -= 1;
          await release();
        }),
      ),
    );
    expect(most).toBeLessThanOrEqual(limit);
    expect(most).toBeGreaterThan(1);
    expect(await advisoryLocksHeld(101)).toBe(0);
  });

  it("takes exactly one slot per acquire, even with many free", async () => {
    const semaphore = createPgSemaphore(processLocks(), { limit: 8, classId: 104 });
    const release = await semaphore.acquire();
    expect(await advisoryLocksHeld(104)).toBe(1);
    await release();
    expect(await advisoryLocksHeld(104)).toBe(0);
  });

  it("a killed holder's slots free themselves when its session ends", async () => {
    const killedLocks = processLocks();
    const killed = createPgSemaphore(killedLocks, { limit: 2, classId: 102, pollMs: 10 });
    const survivor = createPgSemaphore(processLocks(), {
      limit: 2,
      classId: 102,
      pollMs: 10,
      acquireTimeoutMs: 10_000,
    });
    await killed.acquire();
    await killed.acquire();
    expect(await advisoryLocksHeld(102)).toBe(2);
    const waiting = survivor.acquire();
    let acquired = false;
    void waiting.then(() => (acquired = true));
    await sleep(100);
    expect(acquired).toBe(false);
    killSession(killedLocks);
    const release = await waiting;
    const second = await survivor.acquire();
    expect(await advisoryLocksHeld(102)).toBe(2);
    await release();
    await second();
  });

  it("gives up after its timeout so the job is retried later instead of hanging", async () => {
    const holder = createPgSemaphore(processLocks(), { limit: 1, classId: 103 });
    const other = createPgSemaphore(processLocks(), { limit: 1, classId: 103, pollMs: 10, acquireTimeoutMs: 150 });
    const release = await holder.acquire();
    await expect(other.acquire()).rejects.toMatchObject({ name: "RetryLater" });
    await release();
    await (
      await other.acquire()
    )();
  });
});

describe("grant claims", () => {
  it("one holder per grant across processes (and within one), released on finish or when the holder's session dies", async () => {
    const aLocks = processLocks();
    const a = createGrantClaims(aLocks);
    const b = createGrantClaims(processLocks());
    const claim = await a.tryClaim("grant-1");
    expect(claim?.held).toBe(true);
    expect(await a.tryClaim("grant-1")).toBeNull();
    expect(await b.tryClaim("grant-1")).toBeNull();
    const other = await b.tryClaim("grant-2");
    expect(other).not.toBeNull();
    await other!.release();

    killSession(aLocks);
    let taken = null;
    for (let i = 0; i < 50 && !taken; i++) {
      taken = await b.tryClaim("grant-1");
      if (!taken) await sleep(20);
    }
    expect(taken?.held).toBe(true);
    // The killed holder learns it lost the claim and must not call AWS any more.
    expect(claim!.held).toBe(false);
    await claim!.release();
    expect(await a.tryClaim("grant-1")).toBeNull();
    await taken!.release();
    const again = await a.tryClaim("grant-1");
    expect(again?.held).toBe(true);
    await again!.release();
  });
});
