import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { systemActor } from "../context";
import { loadPolicy, PolicyFileError, readPolicyFile } from "./load-policy";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-test-"));
function write(name: string, text: string) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe("readPolicyFile", () => {
  it("accepts the repository's demo policy", () => {
    expect(readPolicyFile("policy/policy.yaml").document.rules.length).toBeGreaterThan(0);
  });

  it.each([
    ["missing.yaml", null, /cannot be read/],
    ["broken.yaml", "rules: [unclosed", /is not valid YAML/],
    ["unknown-key.yaml", "version: 1\nrules: []\ndeny: []\nsurprise: true\n", /surprise|unrecognized|unknown/i],
    [
      "bad-pattern.yaml",
      `version: 1\nrules:\n  - id: r1\n    requesters: { groups: [a] }\n    accounts: { ids: ["123456789012"] }\n    permissionSets: [ReadOnly]\n    maxDurationMinutes: 60\n    ticket: { required: true, pattern: "(a+)+$" }\n    approval: { auto: true }\n`,
      /rules\[0\]\.ticket\.pattern/,
    ],
    ["dup-keys.yaml", "version: 1\nversion: 1\n", /not valid YAML/],
  ])("%s fails with the file, path and reason", (name, text, message) => {
    const file = text === null ? path.join(dir, name) : write(name, text);
    let error: unknown;
    try {
      readPolicyFile(file);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PolicyFileError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(message);
  });
});

describe("loadPolicy", () => {
  it("activates a policy once, audits it, and treats the same content as a no-op", async () => {
    const ctx = { actor: systemActor("startup"), db: db.prisma, now: () => new Date() };
    expect((await loadPolicy({ ctx, input: { file: "policy/policy.yaml" } })).changed).toBe(true);
    expect((await loadPolicy({ ctx, input: { file: "policy/policy.yaml" } })).changed).toBe(false);
    expect(await db.prisma.policy.count({ where: { active: true } })).toBe(1);
    expect(await db.prisma.auditEvent.count({ where: { action: "policy.loaded" } })).toBe(1);
  });

  it("refuses to be called by a person", async () => {
    const ctx = {
      actor: { type: "anonymous" as const, ip: null, userAgent: null },
      db: db.prisma,
      now: () => new Date(),
    };
    await expect(loadPolicy({ ctx, input: { file: "policy/policy.yaml" } })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });
});
