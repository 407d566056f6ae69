import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import YAML from "yaml";
import { createPrismaClient, type PrismaClient } from "../../db";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { createPolicyReloader } from "../../worker/policy-reloader";
import type { Role } from "../../generated/prisma/enums";
import { exportPolicyHistory, getPolicyHistory } from "../queries/policy-history";
import { systemActor, type Actor } from "../context";
import { getActivePolicy } from "./active-policy";
import { invalidPolicyAlertKey, loadPolicy } from "./load-policy";
import { reloadPolicy } from "./reload-policy";

const demo = YAML.parse(fs.readFileSync("policy/policy.yaml", "utf8")) as {
  rules: { id: string; maxDurationMinutes: number }[];
  deny: { id: string }[];
};
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-reload-"));
const file = path.join(dir, "policy.yaml");
const write = (document: unknown) => fs.writeFileSync(file, YAML.stringify(document));
const edited = (edit: (doc: typeof demo) => void) => {
  const copy = structuredClone(demo);
  edit(copy);
  return copy;
};
const silent = { info: () => undefined, error: () => undefined };

let db: TestDatabase;
const ctx = () => ({ actor: systemActor("policy-reload"), db: db.prisma, now: () => new Date() });
const audits = (action: string) => db.prisma.auditEvent.findMany({ where: { action }, orderBy: { seq: "asc" } });
const openAlerts = () =>
  db.prisma.alert.findMany({ where: { dedupeKey: invalidPolicyAlertKey(file), status: { not: "RESOLVED" } } });

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  write(demo);
  await loadPolicy({ ctx: ctx(), input: { file } });
});

describe("reloadPolicy", () => {
  it("switches to a valid changed file, with a new version and a policy.changed audit row carrying the diff", async () => {
    const before = await getActivePolicy(db.prisma);
    write(
      edited((doc) => {
        doc.rules[0]!.maxDurationMinutes = 30;
        doc.rules.splice(1, 1);
      }),
    );
    const result = await reloadPolicy({ ctx: ctx(), input: { file } });
    expect(result).toMatchObject({ status: "loaded", version: before.version + 1 });
    const after = await getActivePolicy(db.prisma);
    expect(after.version).toBe(before.version + 1);
    expect(after.document.rules[0]!.maxDurationMinutes).toBe(30);
    const changed = (await audits("policy.changed")).at(-1)!;
    expect(changed.before).toMatchObject({ policyId: before.id, version: before.version });
    expect(changed.after).toMatchObject({
      policyId: after.id,
      version: after.version,
      source: file,
      diff: {
        lists: [
          {
            section: "rules",
            added: [],
            removed: [demo.rules[1]!.id],
            changed: [
              {
                id: demo.rules[0]!.id,
                changes: [{ path: "maxDurationMinutes", before: demo.rules[0]!.maxDurationMinutes, after: 30 }],
              },
            ],
          },
        ],
        fields: [],
      },
    });
  });

  it("keeps the previous policy on an invalid file and raises one alert naming the file, path and reason", async () => {
    const before = await getActivePolicy(db.prisma);
    write(edited((doc) => (doc.rules[2]!.maxDurationMinutes = -5)));
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await reloadPolicy({ ctx: ctx(), input: { file } });
      expect(result).toMatchObject({ status: "invalid", keptPolicyId: before.id });
    }
    expect((await getActivePolicy(db.prisma)).id).toBe(before.id);
    const alerts = await openAlerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.subject).toContain(file);
    expect(alerts[0]!.subject).toContain("rules[2].maxDurationMinutes");
    expect(alerts[0]!.subject).toMatch(/must be at least/);
    expect(alerts[0]!.subject).toContain(`policy version ${before.version} stays in force`);
  });

  it("clears the alert once a valid file loads", async () => {
    write("rules: [unclosed");
    expect((await reloadPolicy({ ctx: ctx(), input: { file } })).status).toBe("invalid");
    expect(await openAlerts()).toHaveLength(1);
    write(edited((doc) => (doc.rules[0]!.maxDurationMinutes = 45)));
    expect((await reloadPolicy({ ctx: ctx(), input: { file } })).status).toBe("loaded");
    expect(await openAlerts()).toHaveLength(0);
    expect((await audits("alert.resolved")).at(-1)!.after).toMatchObject({ dedupeKey: invalidPolicyAlertKey(file) });
  });

  it("clears the alert when the file is put back to the content already in force", async () => {
    write("version: 2\n");
    expect((await reloadPolicy({ ctx: ctx(), input: { file } })).status).toBe("invalid");
    write(demo);
    expect((await reloadPolicy({ ctx: ctx(), input: { file } })).status).toBe("unchanged");
    expect(await openAlerts()).toHaveLength(0);
  });

  it("treats a failing outside check (e.g. a group missing in AWS) as an invalid file", async () => {
    const before = await getActivePolicy(db.prisma);
    write(edited((doc) => (doc.rules[0]!.maxDurationMinutes = 55)));
    const missingGroup = async () => [{ path: "rules[0].requesters.groups[0]", message: "no such group" }];
    const result = await reloadPolicy({ ctx: ctx(), input: { file }, checks: [missingGroup] });
    expect(result).toMatchObject({ status: "invalid" });
    expect((await getActivePolicy(db.prisma)).id).toBe(before.id);
    expect((await openAlerts())[0]!.subject).toContain("rules[0].requesters.groups[0]: no such group");
  });

  it("two processes racing on the same new file make one version and one audit row", async () => {
    const clients: PrismaClient[] = [createPrismaClient(db.url), createPrismaClient(db.url)];
    try {
      const highest = (await db.prisma.policy.aggregate({ _max: { version: true } }))._max.version!;
      const changesBefore = (await audits("policy.changed")).length;
      write(edited((doc) => (doc.rules[0]!.maxDurationMinutes = 15)));
      const results = await Promise.all(
        clients.map((client) =>
          loadPolicy({
            ctx: { actor: systemActor("policy-reload"), db: client, now: () => new Date() },
            input: { file },
          }),
        ),
      );
      expect(results.map((r) => r.changed).sort()).toEqual([false, true]);
      expect(new Set(results.map((r) => r.version))).toEqual(new Set([highest + 1]));
      expect(await db.prisma.policy.count({ where: { active: true } })).toBe(1);
      expect((await audits("policy.changed")).length).toBe(changesBefore + 1);
    } finally {
      await Promise.all(clients.map((client) => client.$disconnect()));
    }
  });

  it("gives a file put back to earlier content its earlier version again", async () => {
    const first = await getActivePolicy(db.prisma);
    write(edited((doc) => (doc.rules[0]!.maxDurationMinutes = 20)));
    await reloadPolicy({ ctx: ctx(), input: { file } });
    write(demo);
    expect(await reloadPolicy({ ctx: ctx(), input: { file } })).toMatchObject({
      status: "loaded",
      version: first.version,
    });
    expect((await audits("policy.changed")).at(-1)!.after).toMatchObject({ version: first.version });
  });
});

describe("getActivePolicy", () => {
  it("never serves the previous version once a switch committed", async () => {
    const before = await getActivePolicy(db.prisma);
    write(edited((doc) => doc.deny.splice(0, 1)));
    await reloadPolicy({ ctx: ctx(), input: { file } });
    const after = await getActivePolicy(db.prisma);
    expect(after.id).not.toBe(before.id);
    expect(after.document.deny.map((rule) => rule.id)).not.toContain(demo.deny[0]!.id);
  });
});

describe("the worker's policy reloader", () => {
  it("checks an unchanged invalid file again once its retry time has passed", async () => {
    const reloader = createPolicyReloader({
      ctx: ctx(),
      file,
      intervalSeconds: 0,
      log: silent,
      retryInvalidEveryMs: 0,
    });
    write("version: 1\nrules: 3\n");
    expect(await reloader.check("if-changed")).toMatchObject({ status: "invalid" });
    expect(await reloader.check("if-changed")).toMatchObject({ status: "invalid" });
    expect(await openAlerts()).toHaveLength(1);
  });

  it("does nothing while the file is unchanged, loads a changed file, and retries an invalid one", async () => {
    const reloader = createPolicyReloader({ ctx: ctx(), file, intervalSeconds: 0, log: silent });
    expect(await reloader.check("if-changed")).toMatchObject({ status: "unchanged" });
    expect(await reloader.check("if-changed")).toBeNull();
    write(edited((doc) => (doc.rules[0]!.maxDurationMinutes = 25)));
    expect(await reloader.check("if-changed")).toMatchObject({ status: "loaded" });
    write("version: 1\nrules: 3\n");
    expect(await reloader.check("if-changed")).toMatchObject({ status: "invalid" });
    // The same refused content waits for its retry time; a signal checks at once.
    expect(await reloader.check("if-changed")).toBeNull();
    expect(await reloader.check("forced")).toMatchObject({ status: "invalid" });
    write(demo);
    expect(await reloader.check("if-changed")).toMatchObject({ status: "loaded" });
    expect(await openAlerts()).toHaveLength(0);
  });
});

describe("getPolicyHistory (the policy page)", () => {
  const person = (roles: Role[]): Actor => ({
    type: "user",
    userId: `user-${roles.join("-")}`,
    email: "someone@example.com",
    name: null,
    roles,
    groups: [],
    identityStoreUserId: null,
    ip: null,
    userAgent: null,
  });
  const historyFor = (roles: Role[]) =>
    getPolicyHistory({ ctx: { actor: person(roles), db: db.prisma, now: () => new Date() } });

  it("shows the version in force, the previous one and each change in plain words", async () => {
    const before = await getActivePolicy(db.prisma);
    write(
      edited((doc) => {
        doc.rules[0]!.maxDurationMinutes = 35;
        doc.deny.splice(0, 1);
      }),
    );
    await reloadPolicy({ ctx: ctx(), input: { file } });
    const after = await getActivePolicy(db.prisma);
    const history = await historyFor(["REQUESTER"]);
    expect(history.current).toMatchObject({ version: after.version, previousVersion: before.version });
    expect(history.changes[0]).toMatchObject({
      version: after.version,
      previousVersion: before.version,
      first: false,
      lines: [
        {
          kind: "changed",
          text: `Changed allow rule ${demo.rules[0]!.id}`,
          details: [`maxDurationMinutes: ${demo.rules[0]!.maxDurationMinutes} → 35`],
        },
        { kind: "removed", text: `Removed deny rule ${demo.deny[0]!.id}`, details: [] },
      ],
    });
    expect(history.changes.length).toBeLessThanOrEqual(10);
  });

  it("exports every load and change with its diff and the same sentences, oldest first", async () => {
    write(edited((doc) => (doc.rules[0]!.maxDurationMinutes = 65)));
    await reloadPolicy({ ctx: ctx(), input: { file } });
    const lines = (
      await exportPolicyHistory({ ctx: { actor: person(["REQUESTER"]), db: db.prisma, now: () => new Date() } })
    )
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ previousVersion: null, changes: [] });
    expect(lines.at(-1)).toMatchObject({
      actor: "system:policy-reload",
      version: (await getActivePolicy(db.prisma)).version,
      changes: [{ kind: "changed", details: [`maxDurationMinutes: ${demo.rules[0]!.maxDurationMinutes} → 65`] }],
      diff: { lists: [{ section: "rules", changed: [{ id: demo.rules[0]!.id }] }] },
    });
  });

  it("tells alert readers, and only them, about a refused file", async () => {
    write("version: 1\nrules: nope\n");
    await reloadPolicy({ ctx: ctx(), input: { file } });
    expect((await historyFor(["AUDITOR"])).invalidFile?.subject).toContain(file);
    expect((await historyFor(["REQUESTER"])).invalidFile).toBeNull();
  });
});
