import fs from "node:fs";
import { describe, expect, it } from "vitest";

// No terraform binary here: the example keeps its actions in one strictly formatted locals map that this reads.
const mainTf = fs.readFileSync("docs/terraform/main.tf", "utf8");
const policy = JSON.parse(fs.readFileSync("docs/iam-policy.json", "utf8")) as {
  Statement: { Sid: string; Action: string[] | string }[];
};

/** `portal_actions = { Sid = [ "a", ... ] ... }` from the locals block, as Sid → actions. */
function terraformActions(text: string): Map<string, string[]> {
  const block = /^ {2}portal_actions = \{\n([\s\S]*?)^ {2}\}$/m.exec(text);
  if (!block) throw new Error("docs/terraform/main.tf has no `portal_actions = { ... }` map in its locals");
  const entries = new Map<string, string[]>();
  for (const entry of block[1]!.matchAll(/^ {4}(\w+) = \[\n?([\s\S]*?)\]$/gm)) {
    const actions = [...entry[2]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
    entries.set(entry[1]!, actions);
  }
  return entries;
}

const asList = (action: string[] | string) => (Array.isArray(action) ? action : [action]);

describe("docs/terraform/main.tf", () => {
  const fromTerraform = terraformActions(mainTf);

  it("grants exactly the actions of docs/iam-policy.json, statement by statement", () => {
    const fromJson = new Map(policy.Statement.map((s) => [s.Sid, [...asList(s.Action)].sort()]));
    const sorted = new Map([...fromTerraform].map(([sid, actions]) => [sid, [...actions].sort()]));
    expect(Object.fromEntries(sorted)).toEqual(Object.fromEntries(fromJson));
  });

  it("lists no action twice", () => {
    for (const [sid, actions] of fromTerraform) expect(new Set(actions).size, sid).toBe(actions.length);
  });

  it("uses each statement's actions in a policy statement with the same sid", () => {
    for (const sid of fromTerraform.keys()) {
      expect(mainTf).toMatch(new RegExp(`sid += "${sid}"\\n\\s+actions += local\\.portal_actions\\.${sid}\\n`));
    }
  });

  it("creates no access keys and no IAM user", () => {
    expect(mainTf).not.toMatch(/aws_iam_access_key|aws_iam_user\b/);
  });

  it("reads the map the way the test expects (a changed layout fails loudly, not silently)", () => {
    expect(() => terraformActions("locals {\n  other = {}\n}\n")).toThrow(/no `portal_actions/);
    expect(fromTerraform.size).toBe(policy.Statement.length);
  });
});
