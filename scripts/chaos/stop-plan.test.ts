import { describe, expect, it } from "vitest";
import { createRandom } from "./plan";
import { chooseStop, gracefulStopWasClean, stoppableWorkers, type WorkerPhase } from "./stop-plan";

describe("chooseStop", () => {
  it("never picks a worker inside its graceful stop, nor one being killed or down", () => {
    expect(stoppableWorkers(["terminating", "killing", "down", "running"])).toEqual([3]);
    const random = createRandom(1);
    for (let i = 0; i < 1_000; i++)
      expect(chooseStop(["terminating", "running", "terminating"], random, 0.5)?.worker).toBe(1);
  });

  it("stops nobody when every worker is already stopping or down", () => {
    expect(chooseStop(["terminating", "down", "killing"], createRandom(2), 0.2)).toBeNull();
  });

  it("draws SIGTERM at the configured share", () => {
    const random = createRandom(3);
    const signals = Array.from(
      { length: 2_000 },
      () => chooseStop(["running", "running", "running"], random, 0.2)!.signal,
    );
    const share = signals.filter((s) => s === "SIGTERM").length / signals.length;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.25);
  });

  // The kill loop of the quick chaos run: a stop every step, a SIGTERMed worker needs several steps to exit, a SIGKILLed one is back next step.
  it.each([1, 7, 42, 1234])(
    "over a whole kill loop (seed %i) no SIGTERMed worker is signalled again before it exits",
    (seed) => {
      const random = createRandom(seed);
      const phases: WorkerPhase[] = ["running", "running", "running"];
      const exitsAtStep = new Map<number, number>();
      let sigterms = 0;
      for (let step = 0; step < 500; step++) {
        for (const [worker, at] of exitsAtStep) {
          if (at > step) continue;
          phases[worker] = "running";
          exitsAtStep.delete(worker);
        }
        const stop = chooseStop(phases, random, 0.3);
        if (!stop) continue;
        expect(
          phases[stop.worker],
          `step ${step}: worker ${stop.worker} got ${stop.signal} while ${phases[stop.worker]}`,
        ).toBe("running");
        if (stop.signal === "SIGTERM") {
          sigterms += 1;
          phases[stop.worker] = "terminating";
          exitsAtStep.set(stop.worker, step + 1 + Math.floor(random() * 5));
        }
      }
      expect(sigterms).toBeGreaterThan(50);
    },
  );
});

describe("gracefulStopWasClean", () => {
  it.each([
    [{ exitCode: 0, signalCode: null, timedOut: false }, true],
    [{ exitCode: null, signalCode: "SIGTERM", timedOut: false }, true],
    [{ exitCode: 1, signalCode: null, timedOut: false }, false],
    [{ exitCode: null, signalCode: "SIGKILL", timedOut: false }, false],
    [{ exitCode: null, signalCode: "SIGKILL", timedOut: true }, false],
  ])("%j is clean: %s", (exit, clean) => {
    expect(gracefulStopWasClean(exit)).toBe(clean);
  });
});
