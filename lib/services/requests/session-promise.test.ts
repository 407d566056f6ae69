import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAccount, seedPermissionSet } from "../../simulator/seed";
import { startServiceHarness, type ServiceHarness } from "../../testing/service-harness";
import { loadPolicy } from "../policy/load-policy";
import { createRequest } from "./create-request";

const paymentsProd = seedAccount("payments-prod")!;
const readOnly = seedPermissionSet("ReadOnly")!;

const policyYaml = (sessionOptions: string) => `
version: 1
rules:
  - id: payments-read
    requesters: { groups: [team-payments] }
    accounts: { ids: ["${paymentsProd.id}"] }
    permissionSets: [ReadOnly]
    maxDurationMinutes: 480
    approval: { auto: true }
${sessionOptions}
`;
const OFF_WITH_REFUSAL = `    sessionRevocation: "off"
    refuseWindowShorterThanSession: "Read-only sessions are not cut here: take the whole session."`;

let harness: ServiceHarness;

beforeAll(async () => {
  harness = await startServiceHarness({ policyYaml: policyYaml(OFF_WITH_REFUSAL), systemJob: "test-worker" });
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

const request = (durationMinutes: number) =>
  createRequest({
    ctx: harness.ctxFor(harness.users.alice!),
    queue: harness.queue,
    input: {
      targets: [{ accountId: paymentsProd.id, permissionSetArn: readOnly.arn }],
      durationMinutes,
      startMode: "now",
      justification: "Reading the payments logs for INC-42",
    },
  });

const promiseOf = async (requestId: string) =>
  (await harness.db.prisma.requestTarget.findFirstOrThrow({ where: { requestId } })).revokeSessionsOnEnd;

async function reloadPolicy(text: string) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "policy-")), "policy.yaml");
  fs.writeFileSync(file, text);
  await loadPolicy({ ctx: harness.system(), input: { file } });
}

describe("the policy's session promise, per target", () => {
  it("refuses a window shorter than the set's session when sessions are not cut, showing the rule's reason", async () => {
    await expect(request(30)).rejects.toMatchObject({
      code: "VALIDATION",
      fieldErrors: {
        durationMinutes: [
          expect.stringMatching(
            /an AWS session lasts 1 h and is not cut when access ends.*Read-only sessions are not cut here/,
          ),
        ],
      },
    });
  });

  it("is snapshotted on the request: a policy reload does not change a running grant's promise", async () => {
    const uncut = await request(60);
    expect(await promiseOf(uncut.requestId)).toBe(false);

    await reloadPolicy(policyYaml(""));
    expect(await promiseOf(uncut.requestId)).toBe(false);
    const cut = await request(30);
    expect(await promiseOf(cut.requestId)).toBe(true);
  });
});

describe("the policy version a request was evaluated under", () => {
  it("is recorded on the request and in its audit row, and follows a reload at once", async () => {
    const versionOf = async (requestId: string) => {
      const row = await harness.db.prisma.accessRequest.findUniqueOrThrow({
        where: { id: requestId },
        select: { policy: { select: { version: true } } },
      });
      const created = await harness.db.prisma.auditEvent.findFirstOrThrow({
        where: { requestId, action: "request.created" },
      });
      return { stored: row.policy?.version, audited: (created.after as { policyVersion?: number }).policyVersion };
    };
    await reloadPolicy(policyYaml(OFF_WITH_REFUSAL));
    const before = await versionOf((await request(60)).requestId);
    await reloadPolicy(policyYaml("").replace("maxDurationMinutes: 480", "maxDurationMinutes: 470"));
    const after = await versionOf((await request(60)).requestId);
    expect(before.stored).toBe(before.audited);
    expect(after.stored).toBe(after.audited);
    expect(after.stored).toBeGreaterThan(before.stored!);
  });
});
