import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import pg from "pg";
import { E2E_PORTS } from "../playwright.config";
import { signInAs } from "./fixtures";

// Replays the browser's own server action POSTs with hostile bodies: never a 500, always a clear message, nothing written.
const databaseUrl = `postgresql://postgres:postgres@127.0.0.1:${E2E_PORTS.database}/portal`;
const MARKER = "MARKER-justification-for-replay";

async function query<T extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** What a user could have written: requests, decisions and every audit event except refusals and the worker's own. */
async function writtenRows(): Promise<string> {
  const [row] = await query<{ requests: number; decisions: number; events: number }>(
    `SELECT (SELECT count(*)::int FROM "AccessRequest") AS requests, (SELECT count(*)::int FROM "ApprovalDecision") AS decisions,
            (SELECT count(*)::int FROM "AuditEvent" WHERE "actorType" = 'USER' AND action NOT LIKE 'access.refused%') AS events`,
  );
  return JSON.stringify(row);
}

interface Captured {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** Learns the exact POST the browser sends for a form, without letting it reach the server. */
async function capture(page: Page, path: string, submit: () => Promise<void>): Promise<Captured> {
  let captured: Captured | undefined;
  await page.route(`**${path}`, async (route) => {
    const request = route.request();
    if (request.method() !== "POST" || !request.headers()["next-action"]) return route.continue();
    captured = { url: request.url(), headers: request.headers(), body: request.postDataBuffer()! };
    await route.abort();
  });
  await submit();
  await expect.poll(() => captured !== undefined).toBe(true);
  await page.unroute(`**${path}`);
  return captured!;
}

function replay(
  request: APIRequestContext,
  captured: Captured,
  body: string | Buffer,
  contentType = captured.headers["content-type"]!,
) {
  return request.post(captured.url, {
    headers: {
      "next-action": captured.headers["next-action"]!,
      "content-type": contentType,
      origin: captured.headers.origin!,
      accept: "text/x-component",
      "next-router-state-tree": captured.headers["next-router-state-tree"] ?? "",
    },
    data: body,
    maxRedirects: 0,
  });
}

/** Replaces one multipart field's value in a captured body (React prefixes the names, e.g. "_1_justification"). */
function withField(body: Buffer, field: string, value: string): Buffer {
  const text = body.toString("latin1");
  const pattern = new RegExp(`(name="(?:_?\\d+_)?${field}"\\r\\n\\r\\n)[^\\r]*`);
  expect(text, `the captured form has a ${field} field`).toMatch(pattern);
  return Buffer.from(
    text.replace(pattern, (_m, head: string) => head + Buffer.from(value, "utf8").toString("latin1")),
    "latin1",
  );
}

let alice: Page;
let createForm: Captured;
let cancelForm: Captured;

test.beforeAll(async ({ browser }) => {
  alice = await (await browser.newContext()).newPage();
  await signInAs(alice, "alice");
  await alice.goto("/requests/new");
  await alice.getByTestId("account-search").fill("payments-staging");
  await alice.getByRole("checkbox", { name: "PowerUser on payments-staging" }).check();
  await alice.getByLabel("Justification").fill(MARKER);
  await alice.getByLabel("Ticket").fill("PAY-31");
  createForm = await capture(alice, "/requests/new", () => alice.getByTestId("submit-request").click());
  expect(createForm.body.toString()).toContain(MARKER);

  // A real pending request gives the request page its cancel form.
  await alice.goto("/requests/new");
  await alice.getByTestId("account-search").fill("payments-staging");
  await alice.getByRole("checkbox", { name: "PowerUser on payments-staging" }).check();
  await alice.getByLabel("Justification").fill("Resize the staging ledger database for the bad-input spec");
  await alice.getByLabel("Ticket").fill("PAY-32");
  await alice.getByTestId("submit-request").click();
  await expect(alice).toHaveURL(/\/requests\/(?!new)[^/]+$/);
  const requestId = alice.url().split("/").at(-1)!;
  cancelForm = await capture(alice, `/requests/${requestId}`, async () => {
    await alice.getByTestId("cancel-request").click();
    await alice.getByTestId("cancel-request-confirm").click();
  });
  expect(cancelForm.body.toString()).toContain(requestId);
});

test.afterAll(async () => {
  await alice?.context().close();
});

const DEEP = `["$undefined",${"[".repeat(20_000)}${"]".repeat(20_000)}]`;

test.describe("a server action called with something other than a form", () => {
  for (const [label, body] of [
    ["a JSON array", JSON.stringify(["$undefined", ["requestId", "x"]])],
    ["a string", JSON.stringify(["$undefined", "requestId=x"])],
    ["a bare JSON array of arguments", JSON.stringify([1, 2, 3])],
    ["a bare string", JSON.stringify("hello")],
    ["deep nesting", DEEP],
  ] as const) {
    test(`${label}: a clear message, no 500, nothing written`, async () => {
      const before = await writtenRows();
      const response = await replay(alice.request, cancelForm, body, "text/plain;charset=UTF-8");
      expect(response.status(), await response.text()).toBeLessThan(500);
      const text = await response.text();
      expect(text).not.toMatch(/TypeError|at .*\.js:\d+|Error: /);
      expect(text).toMatch(/This form could not be read|Some fields need attention|could not be read/);
      expect(await writtenRows()).toBe(before);
    });
  }
});

test.describe("hostile text in a well-formed form", () => {
  for (const [label, form, field, value, message] of [
    [
      "a null byte in the justification",
      "create",
      "justification",
      `Deploy the hotfix\u0000 now please`,
      "Remove control characters",
    ],
    [
      "a right-to-left override in the justification",
      "create",
      "justification",
      `Approved by \u202Eytiruces\u202C, deploying now`,
      "Remove invisible text-direction characters",
    ],
    ["a null byte in the ticket", "create", "ticket", "PAY-1\u0000", "Remove control characters"],
    ["hexadecimal minutes (read as 16 before)", "create", "durationMinutes", "0x10", "whole minutes"],
    ["exponent minutes (read as 10 before)", "create", "durationMinutes", "1e1", "whole minutes"],
    ["a null byte in the request id", "cancel", "requestId", "abc\u0000def", "Remove control characters"],
  ] as const) {
    test(`${label}: refused with a field message, nothing written`, async () => {
      const captured = form === "create" ? createForm : cancelForm;
      const before = await writtenRows();
      const response = await replay(alice.request, captured, withField(captured.body, field, value));
      expect(response.status()).toBeLessThan(500);
      const text = await response.text();
      expect(text).toContain("VALIDATION");
      expect(text).toContain(message);
      expect(await writtenRows()).toBe(before);
    });
  }
});

test.describe("a body over the 1 MB action limit", () => {
  test("with a Content-Length: 413 with a clear message, nothing written", async () => {
    const before = await writtenRows();
    const response = await replay(
      alice.request,
      createForm,
      withField(createForm.body, "justification", "x".repeat(1_100_000)),
    );
    expect(response.status()).toBe(413);
    expect(await response.json()).toEqual({
      ok: false,
      code: "VALIDATION",
      message: "The form is larger than 1 MB and was not read. Shorten it and try again.",
    });
    expect(await writtenRows()).toBe(before);
  });

  test("chunked, without a Content-Length: 413 as well", async () => {
    const body = withField(createForm.body, "justification", "x".repeat(1_100_000));
    const cookies = (await alice.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const before = await writtenRows();
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= body.length) return controller.close();
        controller.enqueue(new Uint8Array(body.subarray(sent, sent + 64 * 1024)));
        sent += 64 * 1024;
      },
    });
    const response = await fetch(createForm.url, {
      method: "POST",
      headers: {
        "next-action": createForm.headers["next-action"]!,
        "content-type": createForm.headers["content-type"]!,
        origin: createForm.headers.origin!,
        accept: "text/x-component",
        cookie: cookies,
      },
      body: stream,
      duplex: "half",
      redirect: "manual",
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { message: string }).message).toContain("larger than 1 MB");
    expect(await writtenRows()).toBe(before);
  });
});

// Every cross-site refusal is accounted for: first-of-minute events, the folded rest of closed minutes, and the open minute.
async function crossSiteRefusalsAccounted(): Promise<number> {
  const [row] = await query<{ n: number }>(
    `SELECT
       (SELECT count(*) FROM "AuditEvent" WHERE action = 'access.refused' AND "entityId" = 'server-action')
     + (SELECT coalesce(sum((after->>'afterFirst')::int), 0) FROM "AuditEvent" WHERE action = 'access.refused_repeated' AND "entityId" = 'server-action')
     + (SELECT coalesce(sum(count - 1), 0) FROM "RefusalWindow" WHERE "actorKey" = 'anonymous' AND verb = 'server-action' AND count > 0)
     AS n`,
  );
  return Number(row!.n);
}

async function crossSitePost() {
  return alice.request.post(cancelForm.url, {
    headers: {
      "next-action": cancelForm.headers["next-action"]!,
      "content-type": cancelForm.headers["content-type"]!,
      origin: "https://evil.example.net",
      accept: "text/x-component",
    },
    data: cancelForm.body,
    maxRedirects: 0,
  });
}

test("a server action sent from another site is refused with 403 and audited", async () => {
  const before = await writtenRows();
  const accounted = await crossSiteRefusalsAccounted();
  const response = await crossSitePost();
  expect(response.status()).toBe(403);
  expect(((await response.json()) as { message: string }).message).toBe(
    "This form was sent from another site and was refused.",
  );
  expect(await writtenRows()).toBe(before);
  await expect.poll(crossSiteRefusalsAccounted, { timeout: 10_000 }).toBe(accounted + 1);
});

test("a burst of cross-site posts is answered at once and every one of them is counted, none lost", async () => {
  const accounted = await crossSiteRefusalsAccounted();
  const responses = await Promise.all(Array.from({ length: 25 }, () => crossSitePost()));
  expect(responses.map((r) => r.status())).toEqual(Array(25).fill(403));
  await expect.poll(crossSiteRefusalsAccounted, { timeout: 10_000 }).toBe(accounted + 25);
});

test("a null byte in the history search renders a validation message, not an error page", async ({ browser }) => {
  const carol = await (await browser.newContext()).newPage();
  await signInAs(carol, "carol");
  const response = await carol.goto("/audit?q=%00");
  expect(response!.status()).toBeLessThan(500);
  await expect(carol.getByTestId("ignored-filters")).toContainText("not understood");
  await carol.context().close();
});
