// Which worker the chaos harness may stop next, and how a graceful stop is judged: pure, so the decisions are unit-tested.

/** down: no process; running: alive (starting or ready); terminating: SIGTERMed, inside its graceful window; killing: SIGKILLed, not yet reaped. */
export type WorkerPhase = "down" | "running" | "terminating" | "killing";

export interface PlannedStop {
  worker: number;
  signal: "SIGKILL" | "SIGTERM";
}

/** Only running workers: one already stopping is left to finish, or a SIGKILL would be blamed on its graceful stop. */
export function stoppableWorkers(phases: readonly WorkerPhase[]): number[] {
  return phases.flatMap((phase, worker) => (phase === "running" ? [worker] : []));
}

/** The next disruption, drawing the victim and then the signal from `random`; null when no worker can be stopped now. */
export function chooseStop(
  phases: readonly WorkerPhase[],
  random: () => number,
  sigtermShare: number,
): PlannedStop | null {
  const candidates = stoppableWorkers(phases);
  if (candidates.length === 0) return null;
  const worker = candidates[Math.floor(random() * candidates.length)]!;
  return { worker, signal: random() < sigtermShare ? "SIGTERM" : "SIGKILL" };
}

/** A SIGTERMed worker stopped cleanly when it exited 0 by itself in time, or took SIGTERM's default action before it installed its handler (still starting). */
export function gracefulStopWasClean(exit: {
  exitCode: number | null;
  signalCode: string | null;
  timedOut: boolean;
}): boolean {
  return !exit.timedOut && (exit.exitCode === 0 || exit.signalCode === "SIGTERM");
}
