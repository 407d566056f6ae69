import { describe, expect, it } from "vitest";
import { createFirstPollDelay } from "./first-poll-delay";

describe("createFirstPollDelay", () => {
  it("moves one step for a burst of lookups that all used the same delay, not one step per lookup", () => {
    const delay = createFirstPollDelay({ initialMs: 1000, minMs: 100, maxMs: 10_000 });
    // Ten creates started together, all polled after 1 s, all still IN_PROGRESS.
    const used = delay.ms;
    for (let i = 0; i < 10; i++) delay.observe(false, used);
    expect(delay.ms).toBe(1250);
    // The next cohort polled at 1.25 s and all found their create finished.
    const next = delay.ms;
    for (let i = 0; i < 10; i++) delay.observe(true, next);
    expect(delay.ms).toBe(1188);
  });

  it("grows on misses and shrinks on hits within its bounds", () => {
    const delay = createFirstPollDelay({ initialMs: 1000, minMs: 900, maxMs: 1400 });
    delay.observe(false, delay.ms);
    delay.observe(false, delay.ms);
    delay.observe(false, delay.ms);
    expect(delay.ms).toBe(1400);
    for (let i = 0; i < 20; i++) delay.observe(true, delay.ms);
    expect(delay.ms).toBe(900);
  });
});
