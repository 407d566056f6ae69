import { expect, test } from "@playwright/test";
import { dbQuery, signInAs } from "../../e2e/fixtures";

// 1,000 accounts under nested OUs, 100 permission sets, and a policy letting every requester ask for 10 of the sets on all of
// them (10,000 targets): the request form's page must not grow with that.
const ACCOUNTS = 1000;
const SETS = 100;
const OFFERED_SETS = 10;

test("BENCH: bytes of /requests/new at organization scale", async ({ page }) => {
  test.setTimeout(300_000);
  await dbQuery(
    `INSERT INTO "AwsAccount" (id, name, "ouPath", "ouIds")
     SELECT (200000000000 + n)::text, 'scale-' || lpad(n::text, 4, '0'), 'Root/Unit' || (n / 100) || '/Team' || (n / 10),
       ARRAY['r-scal', 'ou-scal-level1a' || (n / 100), 'ou-scal-level2b' || (n / 10)]
     FROM generate_series(0, $1::int - 1) n ON CONFLICT DO NOTHING`,
    [ACCOUNTS],
  );
  await dbQuery(
    `INSERT INTO "PermissionSet" (arn, name, "sessionDurationMinutes")
     SELECT 'arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-scale' || lpad(n::text, 3, '0'),
       'Scale' || lpad(n::text, 3, '0'), 60
     FROM generate_series(0, $1::int - 1) n ON CONFLICT DO NOTHING`,
    [SETS],
  );
  const document = {
    version: 1,
    defaults: { pendingApprovalExpiryMinutes: 1440 },
    rules: [
      {
        id: "scale-everyone",
        requesters: { groups: ["*"] },
        accounts: { ous: Array.from({ length: ACCOUNTS / 100 }, (_, i) => `ou-scal-level1a${i}`) },
        permissionSets: Array.from({ length: OFFERED_SETS }, (_, i) => `Scale${String(i).padStart(3, "0")}`),
        maxDurationMinutes: 60,
        approval: { auto: true },
      },
    ],
    deny: [],
  };
  await dbQuery(`UPDATE "Policy" SET active = false`);
  await dbQuery(
    `INSERT INTO "Policy" (id, "sourcePath", "contentHash", document, active, "loadedAt")
     VALUES ('scale-policy', 'scale.yaml', 'scale-' || now()::text, $1::jsonb, true, now() + interval '1 minute')`,
    [JSON.stringify(document)],
  );

  await signInAs(page, "alice");
  const html = await page.request.get("/requests/new");
  expect(html.status()).toBe(200);
  const rsc = await page.request.get("/requests/new", { headers: { RSC: "1" } });
  expect(rsc.status()).toBe(200);
  const htmlBytes = (await html.body()).length;
  const rscBytes = (await rsc.body()).length;
  console.log(
    `BENCH request-form-page accounts=${ACCOUNTS} permissionSets=${SETS} eligibleTargets=${ACCOUNTS * OFFERED_SETS} html=${htmlBytes} bytes rsc=${rscBytes} bytes`,
  );
  expect(await html.text()).toContain("scale-0000");
});
