// `npm run bench`: every benchmark in turn; each prints `BENCH <name> <value> <unit>` lines.
import { spawnSync } from "node:child_process";
import fs from "node:fs";

const benches = ["sim", "lifecycle", "scale", "audit", "notify", "sessions", "web", "scorecard"].filter((name) =>
  fs.existsSync(`scripts/bench/${name}.ts`),
);
let failed = 0;
for (const name of benches) {
  console.log(`\n== bench:${name} ==`);
  const run = spawnSync(process.execPath, ["--import", "tsx", `scripts/bench/${name}.ts`], { stdio: "inherit" });
  if (run.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
