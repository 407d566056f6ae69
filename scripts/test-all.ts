// `npm test`: lint, typecheck, migration check, vitest (unit + integration on a throwaway Postgres), a quick chaos run,
// the standalone (container) build started and used, Playwright e2e.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { chromiumPath, processEnvironment } from "../lib/env";
import { tally, type Counts, type StepOutcome } from "./test-tally";

interface Step {
  name: string;
  command: string[];
  env?: Record<string, string>;
  counts?: () => Counts | null;
}

const results: (StepOutcome & { seconds: number })[] = [];

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

function run(step: Step): boolean {
  console.log(`\n━━ ${step.name} ━━ ${step.command.join(" ")}`);
  const started = Date.now();
  const outcome = spawnSync(step.command[0]!, step.command.slice(1), {
    stdio: "inherit",
    env: { ...processEnvironment(), ...step.env },
  });
  const ok = outcome.status === 0;
  results.push({
    name: step.name,
    ok,
    reportsCounts: Boolean(step.counts),
    counts: step.counts?.() ?? null,
    seconds: (Date.now() - started) / 1000,
  });
  return ok;
}

const chromium = chromiumPath();
if (!fs.existsSync(chromium)) {
  console.error(`Chromium was not found at ${chromium}. The end-to-end tests drive a real browser.
Install Debian's build with:  sudo apt-get install -y chromium
or point CHROMIUM_PATH at another Chromium binary, then run npm test again.`);
  process.exit(1);
}

fs.mkdirSync("test-results", { recursive: true });
for (const file of ["test-results/vitest.json", "test-results/e2e.json"]) fs.rmSync(file, { force: true });
const bin = (name: string) => `node_modules/.bin/${name}`;

run({ name: "lint", command: [bin("eslint"), ".", "--max-warnings=0"] });
run({ name: "format", command: [bin("prettier"), "--check", "."] });
run({ name: "typecheck", command: [bin("tsc"), "--noEmit"] });
run({ name: "migration check", command: [process.execPath, "--import", "tsx", "scripts/db/migrate.ts", "check"] });
run({
  name: "vitest",
  command: [
    bin("vitest"),
    "run",
    "--reporter=default",
    "--reporter=json",
    "--outputFile.json=test-results/vitest.json",
  ],
  counts: () => {
    const report = readJson("test-results/vitest.json") as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
    } | null;
    return report
      ? {
          passed: report.numPassedTests,
          failed: report.numFailedTests,
          skipped: report.numPendingTests + report.numTodoTests,
        }
      : null;
  },
});
// Worker processes killed at random against the simulator; the full scenarios are `npm run test:chaos -- --scenario all`.
run({ name: "chaos (quick)", command: [process.execPath, "--import", "tsx", "scripts/chaos/run.ts", "--quick"] });
run({
  name: "chaos groups (quick)",
  command: [process.execPath, "--import", "tsx", "scripts/chaos/run.ts", "--scenario", "groups", "--quick"],
});
const built = run({
  name: "build (e2e)",
  command: [bin("next"), "build"],
  env: { NEXT_DIST_DIR: ".next-test", NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
});
// The container's build steps (scripts/standalone-build.ts, as the Dockerfile runs them), started with node server.js.
run({ name: "standalone", command: [process.execPath, "--import", "tsx", "scripts/standalone-check.ts"] });
if (built) {
  run({
    name: "playwright",
    command: [bin("playwright"), "test"],
    counts: () => {
      const report = readJson("test-results/e2e.json") as {
        stats: { expected: number; unexpected: number; flaky: number; skipped: number };
      } | null;
      return report
        ? {
            passed: report.stats.expected,
            failed: report.stats.unexpected + report.stats.flaky,
            skipped: report.stats.skipped,
          }
        : null;
    },
  });
}

console.log("\n━━ summary ━━");
const totals = tally(results);
for (const r of results) console.log(`${r.ok ? "PASS" : "FAIL"}  ${r.name} (${r.seconds.toFixed(1)} s)`);
const allOk = built && results.every((r) => r.ok) && totals.failed === 0 && totals.skipped === 0;
if (totals.skipped > 0) console.log(`${totals.skipped} test(s) were skipped; skipped tests do not count as passing.`);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed`);
process.exit(allOk ? 0 : 1);
