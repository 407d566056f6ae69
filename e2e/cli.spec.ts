import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Browser, type Page } from "@playwright/test";
import type { PersonaKey } from "../lib/demo/personas";
import { seedAccount, seedPermissionSet, seedUser } from "../lib/simulator/seed";
import { E2E_PORTS } from "../playwright.config";
import { dbQuery, personaPage, simulatorAssignees } from "./fixtures";

// The real `jit` command (bin/jit.mjs) as a child process against the e2e stack; the browser confirms the sign-in.

const PORTAL = `http://localhost:${E2E_PORTS.app}`;
const SETTLE = { timeout: 60_000 };
const SSO = ["--sso-start-url", "https://example-corp.awsapps.com/start", "--sso-region", "us-east-1"];

interface Terminal {
  persona: PersonaKey;
  home: string;
  env: NodeJS.ProcessEnv;
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function terminal(persona: PersonaKey): Terminal {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `jit-e2e-${persona}-`));
  const env = {
    ...process.env,
    HOME: home,
    JIT_PORTAL_URL: PORTAL,
    JIT_CONFIG_DIR: path.join(home, "jit"),
    AWS_CONFIG_FILE: path.join(home, "aws", "config"),
  };
  return { persona, home, env };
}

/** Starts `jit <args>`; `output` grows as the process prints, `done` resolves when it exits. */
function start(term: Terminal, args: string[]) {
  const child: ChildProcess = spawn(process.execPath, ["bin/jit.mjs", ...args], { env: term.env });
  const output = { stdout: "", stderr: "" };
  child.stdout!.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()));
  const done = new Promise<Finished>((resolve) => child.on("close", (code) => resolve({ code, ...output })));
  return { child, output, done };
}

const jit = (term: Terminal, ...args: string[]) => start(term, args).done;

/** `jit login`: reads the printed address, confirms the code in the persona's browser, returns its signed-in page. */
async function login(browser: Browser, term: Terminal): Promise<Page> {
  const run = start(term, ["login", "--no-browser", "--device-name", `e2e-${term.persona}`]);
  await expect.poll(() => run.output.stdout, SETTLE).toMatch(/or open (\S+)/);
  const [, userCode] = /enter the code ([A-Z]{4}-[A-Z]{4})/.exec(run.output.stdout)!;
  const [, address] = /or open (\S+)/.exec(run.output.stdout)!;
  expect(address).toBe(`${PORTAL}/device?code=${userCode}`);

  const page = await personaPage(browser, term.persona);
  await page.goto(address!);
  await expect(page.getByTestId("device-code")).toHaveText(userCode!);
  await expect(page.getByTestId("device-name")).toHaveText(`e2e-${term.persona}`);
  await page.getByTestId("device-approve").click();
  await expect(page.getByTestId("device-message")).toBeVisible();

  const finished = await run.done;
  expect(finished.stderr).toBe("");
  expect(finished.code).toBe(0);
  expect(finished.stdout).toContain(`Signed in to ${PORTAL} as ${term.persona}@example.com`);
  const credentials = path.join(term.home, "jit", "credentials.json");
  expect(fs.statSync(credentials).mode & 0o777).toBe(0o600);
  expect(fs.statSync(path.dirname(credentials)).mode & 0o777).toBe(0o700);
  const token = JSON.parse(fs.readFileSync(credentials, "utf8")).accessToken as string;
  expect(token.length).toBeGreaterThan(20);
  expect(finished.stdout + finished.stderr).not.toContain(token);
  return page;
}

/** Ends the request from the terminal (if it is still live) and waits until the removal is verified. */
async function releaseAndSettle(term: Terminal, requestId: string) {
  const status = async () => JSON.parse((await jit(term, "status", requestId, "--json")).stdout).request.status;
  if (["APPROVED", "ACTIVE"].includes(await status())) await jit(term, "release", requestId);
  if ((await status()) === "PENDING") await jit(term, "cancel", requestId);
  await expect.poll(status, SETTLE).toMatch(/^(COMPLETED|CANCELLED|DENIED|EXPIRED|FAILED|REVOKED)$/);
}

test("alice signs in with jit login, requests with --wait until Identity Center has the assignment, and releases it", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const alice = terminal("alice");
  const account = seedAccount("sandbox-alice")!;
  const readOnly = seedPermissionSet("ReadOnly")!;
  const principal = seedUser("alice")!.userId;
  let requestId: string | undefined;
  try {
    const page = await login(browser, alice);

    const whoami = await jit(alice, "whoami", "--json");
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.stdout).user).toMatchObject({ email: "alice@example.com", roles: ["REQUESTER"] });

    const typo = await jit(
      alice,
      "request",
      "--account",
      "sandbox-alcie",
      "--permission-set",
      "ReadOnly",
      "--for",
      "1h",
      "--reason",
      "x",
    );
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("Did you mean sandbox-alice?");

    const args = [
      "--account",
      "sandbox-alice",
      "--permission-set",
      "readonly",
      "--for",
      "1h",
      "--reason",
      "Look at the sandbox from the CLI",
    ];
    const requested = await jit(alice, "request", ...args, "--wait", "--write-profile", ...SSO, "--json");
    expect(requested.stderr).toContain("is ");
    expect(requested.code).toBe(0);
    const document = JSON.parse(requested.stdout);
    requestId = document.request.id as string;
    expect(document.request.status).toBe("ACTIVE");
    expect(document.request.targets[0]).toMatchObject({ accountId: account.id, grantStatus: "ACTIVE" });
    expect(document.nextStep).toBe("aws sso login --profile jit-sandbox-alice-ReadOnly");
    expect(await simulatorAssignees(account.id, readOnly.arn)).toContain(principal);
    const awsConfig = fs.readFileSync(path.join(alice.home, "aws", "config"), "utf8");
    expect(awsConfig).toContain(
      `[profile jit-sandbox-alice-ReadOnly]\nsso_session = jit\nsso_account_id = ${account.id}`,
    );

    const released = await jit(alice, "release", requestId);
    expect(released.code).toBe(0);
    expect(released.stdout).toContain("Released");
    await expect.poll(() => simulatorAssignees(account.id, readOnly.arn), SETTLE).not.toContain(principal);
    await releaseAndSettle(alice, requestId);

    // Signing the device out on the portal ends the token: the terminal is told to sign in again.
    await page.goto("/devices");
    await page.getByTestId("revoke-device").first().click();
    await expect(page.getByTestId("revoke-device")).toHaveCount(0);
    const revoked = await jit(alice, "targets");
    expect(revoked.code).toBe(3);
    expect(revoked.stderr).toContain("run jit login");
    await page.context().close();
  } finally {
    if (requestId) await releaseAndSettle(alice, requestId).catch(() => undefined);
    fs.rmSync(alice.home, { recursive: true, force: true });
  }
});

test("bob approves alice's PowerUser request with jit approve while her jit request --wait waits; her own approve is refused", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const alice = terminal("alice");
  const bob = terminal("bob");
  let requestId: string | undefined;
  let waiting: ReturnType<typeof start> | undefined;
  try {
    const alicePage = await login(browser, alice);
    const bobPage = await login(browser, bob);

    const run = start(alice, [
      "request",
      ...["--account", "payments-staging", "--permission-set", "PowerUser", "--for", "30m"],
      ...["--reason", "Replay a stuck staging payout", "--ticket", "PAY-4242", "--wait"],
    ]);
    waiting = run;
    await expect.poll(() => run.output.stdout, SETTLE).toMatch(/Request (\S+) is PENDING\./);
    requestId = /Request (\S+) is PENDING\./.exec(run.output.stdout)![1]!;
    await expect.poll(() => run.output.stdout, SETTLE).toContain("Waiting for approval (0 of 1 approvals)…");

    const own = await jit(alice, "approve", requestId, "--comment", "me, myself");
    expect(own.code).toBe(4);
    expect(own.stderr).toMatch(/^jit: .+/);

    const queue = JSON.parse((await jit(bob, "approvals", "--json")).stdout);
    expect(queue.requests.map((request: { id: string }) => request.id)).toContain(requestId);
    const approved = await jit(bob, "approve", requestId, "--comment", "Go ahead, from the terminal");
    expect(approved.stderr).toBe("");
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain("Approved.");

    const finished = await run.done;
    expect(finished.code).toBe(0);
    expect(finished.stdout).toContain("Access is active and verified until");
    expect(finished.stdout).toContain("Next: aws sso login --profile jit-payments-staging-PowerUser");
    const account = seedAccount("payments-staging")!;
    expect(await simulatorAssignees(account.id, seedPermissionSet("PowerUser")!.arn)).toContain(
      seedUser("alice")!.userId,
    );

    await releaseAndSettle(alice, requestId);
    const tokensBefore = await dbQuery<{ n: string }>(
      `SELECT count(*) AS n FROM "ApiToken" t JOIN "User" u ON u.id = t."userId" WHERE u.email = 'alice@example.com' AND t."revokedAt" IS NULL`,
    );
    const logout = await jit(alice, "logout");
    expect(logout.stdout).toContain("the token no longer works");
    // The token ended at the portal, not only on this machine.
    const tokensAfter = await dbQuery<{ n: string }>(
      `SELECT count(*) AS n FROM "ApiToken" t JOIN "User" u ON u.id = t."userId" WHERE u.email = 'alice@example.com' AND t."revokedAt" IS NULL`,
    );
    expect(Number(tokensAfter[0]!.n)).toBe(Number(tokensBefore[0]!.n) - 1);
    const signedOut = await jit(alice, "whoami");
    expect(signedOut.code).toBe(3);
    expect(signedOut.stderr).toContain("Run jit login.");
    await alicePage.context().close();
    await bobPage.context().close();
  } finally {
    waiting?.child.kill();
    if (requestId) await releaseAndSettle(alice, requestId).catch(() => undefined);
    fs.rmSync(alice.home, { recursive: true, force: true });
    fs.rmSync(bob.home, { recursive: true, force: true });
  }
});
