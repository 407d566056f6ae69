// Public entry of the local Slack simulator.
export { startSlackSimulator, type SlackSimulatorHandle, type StartSlackSimulatorOptions } from "./server";
export { SlackSimulatorControl, SlackControlError } from "./control-client";
export { slackSignature } from "./signing";
export type { InteractionOutcome, Attack } from "./interactions";
export type { Fault, RateLimitSettings } from "./faults";
export * from "./seed";
