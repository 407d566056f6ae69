import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { Prisma } from "../../generated/prisma/client";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { findActivePolicy, getActivePolicy, storedPolicyDocument } from "./active-policy";

const demo = YAML.parse(fs.readFileSync("policy/policy.yaml", "utf8")) as Prisma.InputJsonValue;
let db: TestDatabase;

const storePolicy = (contentHash: string, document: Prisma.InputJsonValue, active = false) =>
  db.prisma.policy.create({ data: { sourcePath: "policy.yaml", contentHash, document, active } });

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe("stored policy documents", () => {
  it("are read and parsed once per row: a page reads the row's id, not its document, after the first time", async () => {
    const row = await storePolicy("h-once", demo);
    const first = await storedPolicyDocument(db.prisma, row.id);
    expect(first?.rules.length).toBeGreaterThan(0);
    // Rows are never edited in place (a changed file is a new row), so a second read must not query the document again.
    await db.prisma.policy.update({ where: { id: row.id }, data: { document: { version: 1, rules: [] } } });
    expect(await storedPolicyDocument(db.prisma, row.id)).toBe(first);
  });

  it("answer null for a missing row or an invalid document, and do not remember the failure", async () => {
    expect(await storedPolicyDocument(db.prisma, "no-such-policy")).toBeNull();
    const broken = await storePolicy("h-broken", { version: 1, rules: "not a list" });
    expect(await storedPolicyDocument(db.prisma, broken.id)).toBeNull();
    await db.prisma.policy.update({ where: { id: broken.id }, data: { document: demo } });
    expect(await storedPolicyDocument(db.prisma, broken.id)).not.toBeNull();
  });

  it("follow the active row: switching the active policy switches the document", async () => {
    expect(await findActivePolicy(db.prisma)).toBeNull();
    const first = await storePolicy("h-first", demo, true);
    expect((await getActivePolicy(db.prisma)).id).toBe(first.id);
    const narrowed = { ...(demo as object), rules: [(demo as { rules: unknown[] }).rules[0]] };
    const second = await storePolicy("h-second", narrowed as Prisma.InputJsonValue);
    await db.prisma.$transaction([
      db.prisma.policy.update({ where: { id: first.id }, data: { active: false } }),
      db.prisma.policy.update({ where: { id: second.id }, data: { active: true } }),
    ]);
    const active = await findActivePolicy(db.prisma);
    expect(active?.id).toBe(second.id);
    expect(active?.document?.rules).toHaveLength(1);
  });
});
