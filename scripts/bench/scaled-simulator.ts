// A child process for benchmarks: the simulator over scaledSeed(BENCH_SIM_SCALE), so its state is not counted in the
// memory of the process under measurement. Prints `SIMULATOR READY <url>`; stops when its parent goes.
import { scaledSeed, type ScaledSeedOptions } from "../../lib/simulator/seed-scale";
import { startSimulator } from "../../lib/simulator/server";

async function main() {
  const scale = JSON.parse(process.env.BENCH_SIM_SCALE ?? "null") as ScaledSeedOptions | null;
  if (!scale) throw new Error("BENCH_SIM_SCALE is required");
  const simulator = await startSimulator({ port: 0, seed: scaledSeed(scale), config: { asyncDelayMs: 0 } });
  console.log(`SIMULATOR READY ${simulator.url}`);
  const stop = () => void simulator.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("disconnect", stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
