import { createHash } from "node:crypto";
import pg from "pg";
import type { GrantClaims } from "../services/grants/grant-support";
import { waitingLocks, type PermissionSetLocks } from "../services/sessions/permission-set-lock";
import { log } from "../log";

// Advisory lock classes (the first half of the two-int key); distinct from the one-bigint keys of tuple-lock.ts.
export const LOCK_CLASS = { createSlot: 0x4a495401, grant: 0x4a495402, permissionSet: 0x4a495403 } as const;

/** A session-level advisory lock held by this process. */
export interface SessionLock {
  /** False once the session that took it dropped: the server has released it and another worker may hold it now. */
  readonly held: boolean;
  release(): Promise<void>;
}

export interface SessionLocksOptions {
  log?: (line: string) => void;
  /** Gives up on a lock query after this long and drops the session, so a hung connection cannot hide a release. */
  queryTimeoutMs?: number;
}

/**
 * One dedicated Postgres session per worker process holding all of its advisory locks. When the process dies (SIGKILL,
 * crash, lost network) the server ends the session and releases every lock it held, so nothing waits for a dead worker.
 */
export class SessionLocks {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  // Bumped whenever the session drops: locks taken in an earlier session are gone.
  private session = 0;
  // Postgres advisory locks are re-entrant per session; this keeps two holders in one process apart. The token makes
  // sure only the holder that set an entry removes it, whatever sessions came and went in between.
  private readonly heldHere = new Map<string, symbol>();
  private closed = false;
  private queue: Promise<void> = Promise.resolve();
  private readonly log: (line: string) => void;
  private readonly queryTimeoutMs: number;

  constructor(
    private readonly databaseUrl: string,
    options: SessionLocksOptions = {},
  ) {
    this.log = options.log ?? ((line) => log.warn(line));
    this.queryTimeoutMs = options.queryTimeoutMs ?? 10_000;
  }

  /** Takes the lock if nobody (in any worker) holds it; never waits. */
  async tryLock(classId: number, objectId: number): Promise<SessionLock | null> {
    const name = `${classId}:${objectId}`;
    if (this.heldHere.has(name)) return null;
    const token = Symbol(name);
    this.heldHere.set(name, token);
    try {
      const { client, session } = await this.connection();
      const result = await this.query<{ locked: boolean }>(
        client,
        "SELECT pg_try_advisory_lock($1::int4, $2::int4) AS locked",
        [classId, objectId],
      );
      if (!result.rows[0]?.locked) {
        this.forget(name, token);
        return null;
      }
      return this.lockHandle(classId, objectId, session, token);
    } catch (error) {
      this.forget(name, token);
      throw error;
    }
  }

  /** Takes the first free lock among `objectIds` (tried in that order) in one statement; null when all are taken. */
  async tryLockAny(
    classId: number,
    objectIds: readonly number[],
  ): Promise<{ objectId: number; lock: SessionLock } | null> {
    const candidates = objectIds.filter((id) => !this.heldHere.has(`${classId}:${id}`));
    if (candidates.length === 0) return null;
    const { client, session } = await this.connection();
    // The filter runs row by row under LIMIT 1, so only the first free slot is locked.
    const result = await this.query<{ id: number }>(
      client,
      "SELECT id FROM unnest($2::int4[]) AS c(id) WHERE pg_try_advisory_lock($1::int4, id) LIMIT 1",
      [classId, candidates],
    );
    const objectId = result.rows[0]?.id;
    if (objectId === undefined) return null;
    const name = `${classId}:${objectId}`;
    const token = Symbol(name);
    this.heldHere.set(name, token);
    return { objectId, lock: this.lockHandle(classId, objectId, session, token) };
  }

  /** Ends the session; the server releases whatever it still held. */
  async close() {
    this.closed = true;
    const client = this.client;
    this.dropSession();
    await client?.end().catch(() => undefined);
  }

  private forget(name: string, token: symbol) {
    if (this.heldHere.get(name) === token) this.heldHere.delete(name);
  }

  private lockHandle(classId: number, objectId: number, session: number, token: symbol): SessionLock {
    const name = `${classId}:${objectId}`;
    let released = false;
    const isHeld = () => !released && session === this.session && this.client !== null;
    return {
      get held() {
        return isHeld();
      },
      release: async () => {
        if (released) return;
        released = true;
        if (session !== this.session || !this.client) {
          this.forget(name, token);
          return;
        }
        const client = this.client;
        try {
          const result = await this.query<{ unlocked: boolean }>(
            client,
            "SELECT pg_advisory_unlock($1::int4, $2::int4) AS unlocked",
            [classId, objectId],
          );
          if (!result.rows[0]?.unlocked) this.log(`[locks] advisory lock ${name} was not held at release`);
        } catch (error) {
          // An unlock we cannot confirm could leave the lock held forever; dropping the session releases it for certain.
          this.log(`[locks] releasing ${name} failed (${(error as Error).message}); dropping the lock session`);
          this.dropSession();
          await client.end().catch(() => undefined);
        } finally {
          this.forget(name, token);
        }
      },
    };
  }

  private async query<R extends pg.QueryResultRow>(
    client: pg.Client,
    text: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    // One statement at a time on the session (pg deprecates queueing on a busy client); they take microseconds.
    const turn = this.queue;
    let done!: () => void;
    this.queue = new Promise<void>((resolve) => (done = resolve));
    await turn;
    try {
      return await client.query<R>({ text, values, query_timeout: this.queryTimeoutMs } as pg.QueryConfig);
    } catch (error) {
      // Connection-level failures (not SQL errors) mean the session and its locks are gone or unknowable.
      if (!(error instanceof pg.DatabaseError)) {
        if (this.client === client) this.dropSession();
        await client.end().catch(() => undefined);
      }
      throw error;
    } finally {
      done();
    }
  }

  private async connection(): Promise<{ client: pg.Client; session: number }> {
    if (this.closed) throw new Error("the lock session is closed");
    if (this.client) return { client: this.client, session: this.session };
    this.connecting ??= (async () => {
      const client = new pg.Client({
        connectionString: this.databaseUrl,
        keepAlive: true,
        application_name: "jit-worker-locks",
      });
      client.on("error", (error) => {
        this.log(`[locks] lock session lost: ${error.message}`);
        if (this.client === client) this.dropSession();
      });
      client.on("end", () => {
        if (this.client === client) this.dropSession();
      });
      try {
        await client.connect();
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      this.client = client;
      return client;
    })().finally(() => {
      this.connecting = null;
    });
    const client = await this.connecting;
    return { client, session: this.session };
  }

  private dropSession() {
    this.client = null;
    this.session += 1;
    this.heldHere.clear();
  }
}

/** Stable 32-bit key for an id, for the second half of a two-int advisory lock. */
export function lockObjectId(id: string): number {
  return createHash("sha256").update(id).digest().readInt32BE(0);
}

/** Grant claims across every worker: one holder per grant at a time, released when it finishes or its process dies. */
export function createGrantClaims(locks: SessionLocks): GrantClaims {
  return {
    async tryClaim(grantId) {
      return locks.tryLock(LOCK_CLASS.grant, lockObjectId(grantId));
    },
  };
}

/** One editor per permission set's inline policy across every worker; a dead holder's lock frees itself. */
export function createPermissionSetLocks(locks: SessionLocks, options?: { timeoutMs?: number }): PermissionSetLocks {
  return waitingLocks(
    (permissionSetArn) => locks.tryLock(LOCK_CLASS.permissionSet, lockObjectId(permissionSetArn)),
    options,
  );
}
