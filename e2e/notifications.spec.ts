import { expect, test } from "@playwright/test";
import { seedAccount, seedPermissionSet, seedUser } from "../lib/simulator/seed";
import { dbQuery, personaPage, releaseEarly, requestStatus, simulatorAssignees } from "./fixtures";
import {
  APPROVALS_CHANNEL,
  auditActions,
  decisionRows,
  mailsAbout,
  MAILBOX_URL,
  relayInteractions,
  requestAccess,
  requestRowStatus,
  setWebhookMode,
  slack,
  slackArticle,
  slackDm,
  slackMessageAbout,
  slackMessagesAbout,
  slackPageAs,
  slackUser,
  webhookDeliveriesAbout,
} from "./notify-helpers";

// Notifications end to end: the portal posts to the Slack simulator, mails the SMTP sink and signs webhooks to the
// receiver, all through the worker's outbox; approvers decide from Slack through the signed interactions endpoint.
const PAYMENTS_PROD = seedAccount("payments-prod")!.id;
const POWER_USER = seedPermissionSet("PowerUser")!.arn;
const ALICE_PRINCIPAL = seedUser("alice")!.userId;
const APPROVE = "approval.approve";
// The worker, the outbox and the simulators are asynchronous: a change shows up after a few cycles.
const SETTLE = { timeout: 60_000 };

test("bob approves alice's request from his Slack DM: access granted, every copy closed, alice told by Slack and email", async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(180_000);
  // Approvers are sent DMs once the portal knows them, so bob signs in once first.
  await (await personaPage(browser, "bob")).context().close();
  const alice = await personaPage(browser, "alice");
  const requestId = await requestAccess(alice, {
    account: "payments-prod",
    permissionSet: "PowerUser",
    justification: "Rotate the payment gateway keys, approved from Slack",
    ticket: "PAY-5101",
  });
  const channelPost = await slackMessageAbout(APPROVALS_CHANNEL, requestId);
  const bobDm = await slackMessageAbout(slackDm("bob"), requestId);

  const bobSlack = await slackPageAs(browser, "bob");
  const inDm = slackArticle(bobSlack, bobDm);
  await expect(inDm).toContainText("Alice Engineer");
  await expect(inDm).toContainText("PAY-5101");
  await inDm.getByRole("button", { name: "Approve" }).click();
  const confirm = bobSlack.getByRole("dialog", { name: "Approve this access?" });
  await expect(confirm).toContainText("PowerUser");
  await confirm.getByRole("button", { name: "Approve" }).click();
  await expect(bobSlack.getByRole("status")).toContainText("Button click: HTTP 200");

  // The decision went through the portal's verb: the worker grants it and Identity Center lists the assignment.
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "ACTIVE", SETTLE);
  await expect(alice.getByTestId("decision")).toContainText("Bob Approver");
  expect(await simulatorAssignees(PAYMENTS_PROD, POWER_USER)).toContain(ALICE_PRINCIPAL);
  expect(await decisionRows(requestId)).toEqual([{ decision: "APPROVE", email: "bob@example.com", comment: null }]);

  // Both copies of the approval message are re-rendered as decided, without buttons, on the page bob is looking at.
  for (const message of [channelPost, bobDm]) {
    const article = slackArticle(bobSlack, message);
    await expect(article).toContainText("Approved by Bob Approver", SETTLE);
    await expect(article).toContainText("(edited)");
    await expect(article.getByRole("button")).toHaveCount(0);
  }

  // Alice hears it in her Slack DM and by email, both pointing at the request.
  await expect
    .poll(async () => (await slackMessagesAbout(slackDm("alice"), requestId)).map((m) => m.text), SETTLE)
    .toContainEqual(expect.stringContaining("Your request was approved"));
  await expect
    .poll(async () => (await mailsAbout("alice@example.com", requestId)).map((m) => m.subject), SETTLE)
    .toContain("Approved: PowerUser on payments-prod");
  const [mail] = (await mailsAbout("alice@example.com", requestId)).filter((m) => m.subject.startsWith("Approved"));
  expect(mail!.text).toContain(`${baseURL}/requests/${requestId}`);

  await alice.getByTestId("release-early").click();

  await alice.getByTestId("release-early-confirm").click();
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "COMPLETED", SETTLE);
  await bobSlack.context().close();
  await alice.context().close();
});

test("bob denies from Slack through the modal: the reason is required, and the denial and reason reach alice by Slack and email", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  await (await personaPage(browser, "bob")).context().close();
  const alice = await personaPage(browser, "alice");
  const requestId = await requestAccess(alice, {
    account: "payments-prod",
    permissionSet: "PowerUser",
    justification: "Change the settlement batch size in production",
    ticket: "PAY-5102",
  });
  const bobDm = await slackMessageAbout(slackDm("bob"), requestId);

  const bobSlack = await slackPageAs(browser, "bob");
  await slackArticle(bobSlack, bobDm).getByRole("button", { name: "Deny…" }).click();
  const modal = bobSlack.getByRole("dialog", { name: "Deny request" });
  await expect(modal).toBeVisible();
  const reasonInput = modal.getByLabel("Reason (sent to the requester)");
  const denyButton = modal.getByRole("button", { name: "Deny", exact: true });
  // An empty reason never leaves the client, as in Slack; five spaces do, and the portal refuses them in the modal.
  expect(await reasonInput.evaluate((input: HTMLTextAreaElement) => input.validity.valueMissing)).toBe(true);
  await reasonInput.fill("     ");
  await denyButton.click();
  await expect(bobSlack.getByRole("status")).toContainText("modal errors");
  await expect(modal.getByRole("alert")).toHaveText("Say why in at least 5 characters.");
  expect(await requestRowStatus(requestId)).toBe("PENDING");
  expect(await decisionRows(requestId)).toEqual([]);

  const reason = "Batch size changes go through the Thursday change window";
  await reasonInput.fill(reason);
  await denyButton.click();
  await expect(bobSlack.getByRole("status")).toContainText("Modal submit: HTTP 200");
  await expect(bobSlack.getByRole("status")).toContainText("modal closed");
  await expect(bobSlack.getByRole("dialog", { name: "Deny request" })).toHaveCount(0);

  await expect(requestStatus(alice)).toHaveAttribute("data-status", "DENIED", SETTLE);
  expect(await decisionRows(requestId)).toEqual([{ decision: "DENY", email: "bob@example.com", comment: reason }]);
  const decided = slackArticle(bobSlack, bobDm);
  await expect(decided).toContainText(`Denied by Bob Approver: ${reason}`, SETTLE);
  await expect(decided.getByRole("button")).toHaveCount(0);

  // Alice reads the denial and bob's reason in her own Slack DM and in her mail.
  const aliceSlack = await slackPageAs(browser, "alice");
  const denial = await slackMessageAbout(slackDm("alice"), requestId);
  await expect(slackArticle(aliceSlack, denial)).toContainText("Your access request was denied by Bob Approver");
  await expect(slackArticle(aliceSlack, denial)).toContainText(reason);
  await expect
    .poll(async () => (await mailsAbout("alice@example.com", requestId)).map((m) => m.subject), SETTLE)
    .toContain("Denied: PowerUser on payments-prod");
  const [mail] = await mailsAbout("alice@example.com", requestId);
  expect(mail!.text).toContain(reason);
  for (const page of [bobSlack, aliceSlack, alice]) await page.context().close();
});

test("nobody decides from Slack what they may not: frank on his own request, grace on a PowerUser request", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  await (await personaPage(browser, "grace")).context().close();
  await (await personaPage(browser, "bob")).context().close();
  const frank = await personaPage(browser, "frank");
  const requestId = await requestAccess(frank, {
    account: "payments-staging",
    permissionSet: "PowerUser",
    justification: "Resize the staging ledger database",
    ticket: "PAY-5103",
  });
  const channelPost = await slackMessageAbout(APPROVALS_CHANNEL, requestId);
  // The requester is never asked: frank gets no DM about his own request, bob does.
  await slackMessageAbout(slackDm("bob"), requestId);
  expect(await slackMessagesAbout(slackDm("frank"), requestId)).toHaveLength(0);

  // Frank clicks Approve on his own request in #access-approvals: only he is told why, and nothing is decided.
  const frankSlack = await slackPageAs(browser, "frank");
  await slackArticle(frankSlack, channelPost).getByRole("button", { name: "Approve" }).click();
  await frankSlack
    .getByRole("dialog", { name: "Approve this access?" })
    .getByRole("button", { name: "Approve" })
    .click();
  const ephemeral = frankSlack.locator(`article[data-ephemeral="true"][data-channel="${APPROVALS_CHANNEL}"]`);
  await expect(ephemeral).toContainText("You cannot approve your own request.", SETTLE);
  await expect(ephemeral).toContainText("Only visible to you");

  // Grace approves only AdministratorAccess (and escalations): her click is refused the same way.
  const graceClick = await slack.click({
    user: slackUser("grace"),
    channel: APPROVALS_CHANNEL,
    ts: channelPost.ts,
    actionId: APPROVE,
  });
  expect(graceClick.status).toBe(200);
  await expect
    .poll(async () => (await slack.ephemerals({ user: slackUser("grace") })).map((e) => e.text), SETTLE)
    .toContain("You are not an approver for this request.");

  expect(await requestRowStatus(requestId)).toBe("PENDING");
  expect(await decisionRows(requestId)).toEqual([]);
  const actions = await auditActions(requestId);
  expect(actions).not.toContain("request.approval_given");
  expect(actions.filter((action) => action === "request.decision_refused").length).toBeGreaterThanOrEqual(2);
  await frank.reload();
  await expect(requestStatus(frank)).toHaveAttribute("data-status", "PENDING");

  // The same message still works for a routed approver.
  expect(
    (await slack.click({ user: slackUser("bob"), channel: APPROVALS_CHANNEL, ts: channelPost.ts, actionId: APPROVE }))
      .status,
  ).toBe(200);
  await expect(requestStatus(frank)).toHaveAttribute("data-status", "ACTIVE", SETTLE);
  await frank.getByTestId("release-early").click();
  await frank.getByTestId("release-early-confirm").click();
  await expect(requestStatus(frank)).toHaveAttribute("data-status", "COMPLETED", SETTLE);
  await frankSlack.context().close();
  await frank.context().close();
});

test("AdministratorAccess on payments needs bob and grace from Slack: one approval leaves it pending", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  await (await personaPage(browser, "grace")).context().close();
  await (await personaPage(browser, "bob")).context().close();
  const alice = await personaPage(browser, "alice");
  const requestId = await requestAccess(alice, {
    account: "payments-staging",
    permissionSet: "AdministratorAccess",
    justification: "Rebuild the staging ledger IAM roles from Slack",
    ticket: "PAY-5104",
  });
  const channelPost = await slackMessageAbout(APPROVALS_CHANNEL, requestId);
  const bobDm = await slackMessageAbout(slackDm("bob"), requestId);
  const graceDm = await slackMessageAbout(slackDm("grace"), requestId);

  expect(
    (await slack.click({ user: slackUser("bob"), channel: bobDm.channel, ts: bobDm.ts, actionId: APPROVE })).status,
  ).toBe(200);
  await expect.poll(async () => (await decisionRows(requestId)).length, SETTLE).toBe(1);
  // Every copy shows the progress and keeps its buttons for the second approver.
  const bobSlack = await slackPageAs(browser, "bob");
  for (const message of [channelPost, bobDm]) {
    const article = slackArticle(bobSlack, message);
    await expect(article).toContainText("1 of 2 approvals, from distinct groups: Bob Approver", SETTLE);
    await expect(article.getByRole("button", { name: "Approve" })).toBeVisible();
  }
  await alice.reload();
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "PENDING");
  expect(await requestRowStatus(requestId)).toBe("PENDING");

  expect(
    (await slack.click({ user: slackUser("grace"), channel: graceDm.channel, ts: graceDm.ts, actionId: APPROVE }))
      .status,
  ).toBe(200);
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "ACTIVE", SETTLE);
  expect((await decisionRows(requestId)).map((d) => d.email)).toEqual(["bob@example.com", "grace@example.com"]);
  await expect(slackArticle(bobSlack, channelPost)).toContainText(
    "Approved by Bob Approver and Grace Security",
    SETTLE,
  );
  await alice.getByTestId("release-early").click();
  await alice.getByTestId("release-early-confirm").click();
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "COMPLETED", SETTLE);
  await bobSlack.context().close();
  await alice.context().close();
});

test("forged, stale and altered Slack interactions are refused with 401 and decide nothing", async ({ browser }) => {
  test.setTimeout(120_000);
  await (await personaPage(browser, "bob")).context().close();
  const alice = await personaPage(browser, "alice");
  const requestId = await requestAccess(alice, {
    account: "payments-prod",
    permissionSet: "PowerUser",
    justification: "Inspect the production fraud rules",
    ticket: "PAY-5105",
  });
  const bobDm = await slackMessageAbout(slackDm("bob"), requestId);

  for (const attack of ["wrong-secret", "stale-timestamp", "altered-body", "unsigned"] as const) {
    const outcome = await slack.click({
      user: slackUser("bob"),
      channel: bobDm.channel,
      ts: bobDm.ts,
      actionId: APPROVE,
      attack,
    });
    expect(outcome.status, attack).toBe(401);
  }
  expect(await requestRowStatus(requestId)).toBe("PENDING");
  expect(await decisionRows(requestId)).toEqual([]);
  expect(await auditActions(requestId)).not.toContain("request.approval_given");
  await alice.reload();
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "PENDING");
  await expect(alice.getByTestId("decision")).toHaveCount(0);

  // The very same button, correctly signed, does decide: the refusals above were the signatures'.
  expect(
    (await slack.click({ user: slackUser("bob"), channel: bobDm.channel, ts: bobDm.ts, actionId: APPROVE })).status,
  ).toBe(200);
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "ACTIVE", SETTLE);
  await alice.getByTestId("release-early").click();
  await alice.getByTestId("release-early-confirm").click();
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "COMPLETED", SETTLE);
  await alice.context().close();
});

test("a replayed Slack interaction is refused with 401 and adds no decision", async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  await (await personaPage(browser, "grace")).context().close();
  await (await personaPage(browser, "bob")).context().close();
  const alice = await personaPage(browser, "alice");
  // Two approvals needed, so the request is still pending after bob's genuine click and a replay could count.
  const requestId = await requestAccess(alice, {
    account: "payments-prod",
    permissionSet: "AdministratorAccess",
    justification: "Audit the production payment roles",
    ticket: "PAY-5106",
  });
  const bobDm = await slackMessageAbout(slackDm("bob"), requestId);
  const interactionsUrl = `${baseURL}/api/slack/interactions`;

  const captured = await relayInteractions(interactionsUrl, async () => {
    const outcome = await slack.click({
      user: slackUser("bob"),
      channel: bobDm.channel,
      ts: bobDm.ts,
      actionId: APPROVE,
    });
    expect(outcome.status).toBe(200);
  });
  expect(captured.map((c) => c.status)).toEqual([200]);
  await expect.poll(async () => (await decisionRows(requestId)).length, SETTLE).toBe(1);
  const approvalsGiven = () =>
    auditActions(requestId).then((actions) => actions.filter((a) => a === "request.approval_given").length);
  expect(await approvalsGiven()).toBe(1);

  // The exact bytes and headers Slack sent, sent again within the timestamp window.
  const replay = await fetch(interactionsUrl, {
    method: "POST",
    headers: captured[0]!.headers,
    body: captured[0]!.body,
  });
  expect(replay.status).toBe(401);
  expect(await replay.text()).toBe("request not verified");
  expect(await decisionRows(requestId)).toHaveLength(1);
  expect(await approvalsGiven()).toBe(1);
  expect(await requestRowStatus(requestId)).toBe("PENDING");
  await alice.context().close();
});

test("Slack answering 429 then 500 delays neither the grant nor duplicates the message: it arrives once the faults clear", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const faultsFrom = Date.now();
  // Throttled for a while (not counted against the delivery), then two server errors (counted), then healthy.
  // Long enough for the grant to activate on a slow, shared machine; the test asserts it did within the window.
  const throttledUntil = faultsFrom + 60_000;
  await slack.addFault({ method: "chat.postMessage", mode: "429", retryAfterSeconds: 1, untilMs: throttledUntil });
  await slack.addFault({ method: "chat.postMessage", mode: "500", count: 2 });
  try {
    const alice = await personaPage(browser, "alice");
    const requestId = await requestAccess(alice, {
      account: "payments-staging",
      permissionSet: "ReadOnly",
      justification: "Read the staging ledger while Slack is down",
    });
    // Auto-approved by policy: active while every post to Slack is still being refused.
    await expect(requestStatus(alice)).toHaveAttribute("data-status", "ACTIVE", {
      timeout: throttledUntil - Date.now(),
    });
    expect(Date.now()).toBeLessThan(throttledUntil);
    expect(await slackMessagesAbout(slackDm("alice"), requestId)).toEqual([]);

    // After the faults, each of alice's Slack notifications about the request is posted exactly once.
    const slackDeliveries = () =>
      dbQuery<{ id: string; status: string; attempts: number }>(
        `SELECT d.id, d.status, d.attempts FROM "NotificationDelivery" d JOIN "Notification" n ON n.id = d."notificationId"
         WHERE n."requestId" = $1 AND d.channel = 'SLACK' AND d.target = 'dm:alice@example.com' AND n.type <> 'access.ending'`,
        [requestId],
      );
    await expect
      .poll(async () => (await slackDeliveries()).every((d) => d.status === "SENT"), { timeout: 90_000 })
      .toBe(true);
    const sent = await slackDeliveries();
    const posted = await slackMessagesAbout(slackDm("alice"), requestId);
    const postedFor = posted.map(
      (m) => (m.metadata as { event_payload?: { delivery_id?: string } } | undefined)?.event_payload?.delivery_id,
    );
    expect(postedFor.sort()).toEqual(sent.map((d) => d.id).sort());
    expect(posted.map((m) => m.text)).toContainEqual(expect.stringContaining("Your access is active"));

    // The faults were really met: throttled posts first, then the two server errors.
    const { log } = await slack.calls();
    const outcomes = log
      .filter((call) => call.method === "chat.postMessage" && call.atMs >= faultsFrom && call.fault === "injected")
      .map((call) => call.outcome);
    expect(outcomes).toContain("ratelimited");
    expect(outcomes.filter((outcome) => outcome === "http500")).toHaveLength(2);
    expect(outcomes.indexOf("http500")).toBeGreaterThan(outcomes.lastIndexOf("ratelimited"));
    await alice.getByTestId("release-early").click();
    await alice.getByTestId("release-early-confirm").click();
    await expect(requestStatus(alice)).toHaveAttribute("data-status", "COMPLETED", SETTLE);
    await alice.context().close();
  } finally {
    await slack.clearFaults();
  }
});

test("a signed-out approver follows the email's link, signs in as bob and lands on the request", async ({
  browser,
  page,
  baseURL,
}) => {
  test.setTimeout(120_000);
  await (await personaPage(browser, "bob")).context().close();
  const alice = await personaPage(browser, "alice");
  const requestId = await requestAccess(alice, {
    account: "payments-prod",
    permissionSet: "PowerUser",
    justification: "Renew the payment processor certificate",
    ticket: "PAY-5107",
  });
  await alice.context().close();
  await expect.poll(async () => (await mailsAbout("bob@example.com", requestId)).length, SETTLE).toBe(1);
  const [mail] = await mailsAbout("bob@example.com", requestId);

  await page.goto(`${MAILBOX_URL}/?to=bob@example.com`);
  await page.locator(`a[href="/messages/${mail!.id}"]`).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(mail!.subject);
  await page.frameLocator("iframe").getByRole("link", { name: "Review the request" }).click();
  await expect(page).toHaveURL(/\/signin\?callbackUrl=/);
  await page.getByRole("button", { name: /Sign in with/ }).click();
  await page.locator(`button[data-persona="bob"]`).click();
  await expect(page).toHaveURL(new RegExp(`^${baseURL}/requests/${requestId}(\\?.*)?$`));
  await expect(page.getByTestId("request-detail")).toContainText("PAY-5107");
  await expect(page.getByTestId("current-user")).toContainText("Bob");
});

test("webhooks: every delivery verifies, the flaky endpoint succeeds on a retry, a failing one ends dead-lettered", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const alice = await personaPage(browser, "alice");
  const delivered = await requestAccess(alice, {
    account: "payments-prod",
    permissionSet: "ReadOnly",
    justification: "Read production settlements for the webhook check",
  });
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "ACTIVE", SETTLE);
  // flaky-events answers 500 to the first two attempts of each event, then 204.
  await expect
    .poll(
      async () =>
        (await webhookDeliveriesAbout(delivered, "flaky-events")).some(
          (d) => d.type === "access.active" && d.status === 204,
        ),
      SETTLE,
    )
    .toBe(true);
  const flaky = (await webhookDeliveriesAbout(delivered, "flaky-events")).filter((d) => d.type === "access.active");
  expect(flaky.map((d) => [d.attempt, d.status]).sort()).toEqual([
    [1, 500],
    [2, 500],
    [3, 204],
  ]);
  expect(new Set(flaky.map((d) => d.webhookId)).size).toBe(1);
  await expect
    .poll(async () => (await webhookDeliveriesAbout(delivered, "portal-events")).map((d) => d.type), SETTLE)
    .toContain("access.active");
  const all = await webhookDeliveriesAbout(delivered);
  expect(all.filter((d) => !d.verified)).toEqual([]);

  await setWebhookMode("portal-events", "fail-500");
  let failing: string | undefined;
  try {
    failing = await requestAccess(alice, {
      account: "payments-staging",
      permissionSet: "ReadOnly",
      justification: "Read staging settlements while the receiver fails",
    });
    await expect(requestStatus(alice)).toHaveAttribute("data-status", "ACTIVE", SETTLE);
    // NOTIFY_MAX_ATTEMPTS=3 in the e2e stack: three answered 500s, then the delivery is a dead letter.
    const deadLetter = () =>
      dbQuery<{ id: string; status: string; attempts: number; lastError: string | null }>(
        `SELECT d.id, d.status, d.attempts, d."lastError" FROM "NotificationDelivery" d JOIN "Notification" n ON n.id = d."notificationId"
         WHERE n."requestId" = $1 AND n.type = 'access.active' AND d.channel = 'WEBHOOK' AND d.target = 'portal-events'`,
        [failing],
      );
    await expect.poll(async () => (await deadLetter()).map((d) => d.status), SETTLE).toEqual(["DEAD"]);
    const [row] = await deadLetter();
    expect(row!.attempts).toBe(3);
    expect(row!.lastError).toContain("500");
    const attempts = (await webhookDeliveriesAbout(failing, "portal-events")).filter((d) => d.type === "access.active");
    expect(attempts.map((d) => [d.attempt, d.status, d.verified]).sort()).toEqual([
      [1, 500, true],
      [2, 500, true],
      [3, 500, true],
    ]);
    // The admin sees it among the dead letters, with why it failed.
    const dave = await personaPage(browser, "dave");
    await dave.goto("/admin/notifications?channel=WEBHOOK&status=DEAD");
    const deadRow = dave.locator(`[data-testid="delivery-row"][data-delivery-id="${row!.id}"]`);
    await expect(deadRow).toHaveAttribute("data-status", "DEAD");
    await expect(deadRow.getByTestId("delivery-error")).toContainText("500");
    await dave.context().close();
  } finally {
    await setWebhookMode("portal-events", "ok");
  }
  // Leave no live grant behind: later specs request the same targets for alice.
  for (const requestId of [failing, delivered]) await releaseEarly(alice, requestId!);
  await alice.context().close();
});
