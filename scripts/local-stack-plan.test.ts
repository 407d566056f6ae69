import { describe, expect, it } from "vitest";
import { OWN_GROUP_FLAG, relaunchArgs, STOP_WAVES, type StackPart } from "./local-stack-plan";

const waveOf = (part: StackPart) => STOP_WAVES.findIndex((wave) => wave.includes(part));

describe("STOP_WAVES", () => {
  it("stops web and worker first, then the simulators, IdP and sinks, then the database last and alone", () => {
    expect(STOP_WAVES).toEqual([["web", "worker"], ["simulator", "idp", "slack", "sinks"], ["database"]]);
    for (const user of ["web", "worker"] as const) expect(waveOf(user)).toBeLessThan(waveOf("database"));
    expect(STOP_WAVES.at(-1)).toEqual(["database"]);
  });
  it("stops every part exactly once", () => {
    expect(STOP_WAVES.flat().sort()).toEqual(["database", "idp", "simulator", "sinks", "slack", "web", "worker"]);
  });
});

describe("relaunchArgs", () => {
  it("re-runs the same script, loader and flags in its own process group", () => {
    expect(relaunchArgs(["--import", "tsx"], ["/usr/bin/node", "scripts/local-stack.ts", "--test"])).toEqual([
      "--import",
      "tsx",
      "scripts/local-stack.ts",
      "--test",
      OWN_GROUP_FLAG,
    ]);
  });
  it("does not re-launch the re-launched stack", () => {
    expect(relaunchArgs(["--import", "tsx"], ["/usr/bin/node", "scripts/local-stack.ts", OWN_GROUP_FLAG])).toBeNull();
  });
});
