// What an operation handler gets to work with, and how a service is described to the server.
import type { SimulatorConfig } from "./config";
import type { ServiceError } from "./errors";
import type { ServiceName } from "./faults";
import type { OperationEngine } from "./operations";
import type { PageTokens } from "./pagination";
import type { DemoSeed } from "./seed";
import type { SimulatorState } from "./state";
import type { Input, StructureShape, Violation } from "./validation";

export interface SimulatorContext {
  seed: DemoSeed;
  state: SimulatorState;
  engine: OperationEngine;
  tokens: PageTokens;
  config(): SimulatorConfig;
  random(): number;
  now(): number;
  /** Marks state dirty so it gets persisted. */
  changed(): void;
}

export interface OperationDefinition {
  input: StructureShape;
  handle(input: Input, ctx: SimulatorContext): unknown;
}

export interface ServiceDefinition {
  service: ServiceName;
  targetPrefix: string;
  signingName: string;
  operations: Record<string, OperationDefinition>;
  validationError(violations: readonly Violation[]): ServiceError;
  throttlingError(config: SimulatorConfig): ServiceError;
  internalError(): ServiceError;
  /** What the "conflict" fault answers; services without a ConflictException answer internalError. */
  conflictError?(): ServiceError;
  /** What the service answers when the caller's IAM policy does not allow the operation (the "access-denied" fault). */
  accessDeniedError(operation: string, ctx: SimulatorContext): ServiceError;
  /** Runs after validation: caller-mode restrictions that apply to every operation of the service. */
  authorize?(operation: string, ctx: SimulatorContext): void;
}

export const epochSeconds = (ms: number) => ms / 1000;
