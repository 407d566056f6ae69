// Builds the container's /app folder: Next's standalone web server, the worker and migrate bundles, migrations.
// The Dockerfile and scripts/standalone-check.ts both run exactly this, so what CI starts is what the image holds.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { processEnvironment } from "../lib/env";

/** Next's output folder for this build, apart from `.next` (dev) and `.next-test` (e2e). */
export const STANDALONE_DIST_DIR = ".next-standalone";

/** Entry files inside the app folder; docker/entrypoint.sh starts these (its test checks they match). */
export const APP_ENTRIES = {
  web: "server.js",
  worker: "worker.mjs",
  migrate: "migrate.mjs",
  doctor: "doctor.mjs",
} as const;

// Read from the working directory at run time; no access policy, so the demo one can never govern a real deployment.
const RUNTIME_FILES = ["prisma/schema.prisma", "prisma/migrations", "docker/entrypoint.sh"];

// The wasm schema engine is loaded from disk by `migrate`, so it cannot be bundled.
const RUNTIME_PACKAGES = ["@prisma/schema-engine-wasm"];

const BUNDLES: { entry: string; out: string }[] = [
  { entry: "lib/worker/main.ts", out: APP_ENTRIES.worker },
  { entry: "scripts/standalone-migrate.ts", out: APP_ENTRIES.migrate },
  { entry: "scripts/doctor.ts", out: APP_ENTRIES.doctor },
];

function run(command: string, args: string[], env: Record<string, string> = {}) {
  console.log(`[standalone-build] ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { stdio: "inherit", env: { ...processEnvironment(), ...env } });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
}

export function buildStandalone(outDir: string) {
  const bin = (name: string) => path.resolve("node_modules/.bin", name);
  run(bin("prisma"), ["generate"]);
  // Only shapes are checked while building; no secret is read, so none can end up in the output.
  run(bin("next"), ["build"], {
    NEXT_OUTPUT: "standalone",
    NEXT_DIST_DIR: STANDALONE_DIST_DIR,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
  });
  // The worker runs without tsx or a full node_modules: one self-contained ESM file each (pg-native is optional in pg).
  const banner =
    "import { createRequire as __portalCreateRequire } from 'node:module'; const require = __portalCreateRequire(import.meta.url);";
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  for (const bundle of BUNDLES) {
    run(bin("esbuild"), [
      bundle.entry,
      "--bundle",
      "--platform=node",
      "--format=esm",
      "--target=node20",
      "--external:pg-native",
      `--banner:js=${banner}`,
      "--log-level=warning",
      `--outfile=${path.join(outDir, bundle.out)}`,
    ]);
  }
  const standalone = path.join(STANDALONE_DIST_DIR, "standalone");
  fs.cpSync(standalone, outDir, { recursive: true });
  // Next leaves static assets out of the standalone folder; the server serves them from <distDir>/static.
  fs.cpSync(path.join(STANDALONE_DIST_DIR, "static"), path.join(outDir, STANDALONE_DIST_DIR, "static"), {
    recursive: true,
  });
  if (fs.existsSync("public")) fs.cpSync("public", path.join(outDir, "public"), { recursive: true });
  for (const file of RUNTIME_FILES) fs.cpSync(file, path.join(outDir, file), { recursive: true });
  for (const pkg of RUNTIME_PACKAGES)
    fs.cpSync(path.join("node_modules", pkg), path.join(outDir, "node_modules", pkg), { recursive: true });
  // A copied .env would bake a secret into the image.
  for (const secretFile of [".env", ".env.local", ".env.production"])
    fs.rmSync(path.join(outDir, secretFile), { force: true });
  console.log(`[standalone-build] app folder ready: ${outDir}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const outIndex = process.argv.indexOf("--out");
  const outDir = outIndex > 0 ? process.argv[outIndex + 1] : undefined;
  if (!outDir) {
    console.error("Usage: node --import tsx scripts/standalone-build.ts --out <folder>");
    process.exit(64);
  }
  try {
    buildStandalone(path.resolve(outDir));
  } catch (error) {
    console.error(`[standalone-build] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
