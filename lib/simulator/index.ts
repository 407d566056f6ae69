// Public entry of the local Identity Center simulator.
export { startSimulator, type SimulatorHandle, type StartSimulatorOptions } from "./server";
export {
  SimulatorConfigError,
  SimulatorConfigSchema,
  SimulatorConfigPatchSchema,
  DEFAULT_SIMULATOR_CONFIG,
  type SimulatorConfig,
  type SimulatorConfigPatch,
} from "./config";
export type { SimulatorStateView, SimulatorCounters, RecordedCall, LoggedCall, SimulatorLog } from "./runtime";
export type { AssignmentKey, AssignmentRecord, AssignmentOperation } from "./state";
export { FAILURE_REASONS } from "./operations";
export * from "./seed";
export { BENCH_SCALE, scaledSeed, type ScaledSeedOptions } from "./seed-scale";
