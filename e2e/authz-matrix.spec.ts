import fs from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext, type APIResponse, type Browser } from "@playwright/test";
import pg from "pg";
import { rolesForGroups } from "../lib/auth/roles";
import { signInPathFor } from "../lib/domain/return-path";
import { PERSONAS, type Persona } from "../lib/demo/personas";
import { parseEnv, type RoleName } from "../lib/env";
import { E2E_PORTS } from "../playwright.config";
import { ACTIONS, allows, PAGES, ROUTES, type ActionCell } from "./authz-matrix";
import { signInAs } from "./fixtures";

const APP_DIR = path.resolve("app");
const MANIFEST = path.resolve(".next-test/server/server-reference-manifest.json");
const databaseUrl = `postgresql://postgres:postgres@127.0.0.1:${E2E_PORTS.database}/portal`;
// The roles the e2e stack gives each persona: its IdP groups through the default IDP_ROLE_MAP.
const roleMap = parseEnv({}, { building: true }).IDP_ROLE_MAP;

interface ManifestAction {
  id: string;
  file: string;
  exportedName: string;
  /** Page routes whose bundle holds the action, e.g. "/requests/[id]". */
  pages: string[];
}

function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
}

/** "app/(portal)/requests/[id]/page.tsx" → "/requests/[id]": route groups do not appear in URLs. */
function routeOf(file: string): string {
  const segments = path
    .relative(APP_DIR, path.dirname(file))
    .split(path.sep)
    .filter((segment) => segment !== "" && !/^\(.*\)$/.test(segment));
  return `/${segments.join("/")}`;
}

const appFiles = walk(APP_DIR).map((file) => path.relative(process.cwd(), file).split(path.sep).join("/"));

function readManifest(): ManifestAction[] {
  const manifest = JSON.parse(fs.readFileSync(MANIFEST, "utf8")) as {
    node: Record<string, { workers: Record<string, unknown>; filename: string; exportedName: string }>;
  };
  return Object.entries(manifest.node).map(([id, entry]) => ({
    id,
    file: entry.filename,
    exportedName: entry.exportedName,
    pages: Object.keys(entry.workers).map((worker) => routeOf(path.join(APP_DIR, "..", worker))),
  }));
}

/** Exported functions of every "use server" module: what the manifest must hold, so a stale build cannot hide a new action. */
function useServerExports(): string[] {
  return appFiles.flatMap((file) => {
    const source = fs.readFileSync(file, "utf8");
    if (!/^\s*["']use server["']/.test(source)) return [];
    return [...source.matchAll(/^export\s+(?:async\s+)?function\s+(\w+)/gm)].map((match) => `${file}#${match[1]}`);
  });
}

function routeHandlers(): string[] {
  return appFiles
    .filter((file) => /\/route\.tsx?$/.test(file))
    .flatMap((file) => {
      const source = fs.readFileSync(file, "utf8");
      const functions = [
        ...source.matchAll(/^export\s+(?:async\s+)?function\s+(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\b/gm),
        // A handler wrapped at export (export const GET = withRouteMetrics(...)).
        ...source.matchAll(/^export\s+const\s+(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s*=/gm),
      ].map((match) => match[1]!);
      const destructured = [...source.matchAll(/^export\s+const\s+\{([^}]*)\}/gm)].flatMap((match) =>
        match[1]!.split(",").map((name) => name.trim()),
      );
      return [...functions, ...destructured].map((method) => `${method} ${routeOf(file)}`);
    });
}

test("the matrix lists every page, route handler and server action the app has", () => {
  const pages = appFiles.filter((file) => /\/page\.tsx?$/.test(file)).map(routeOf);
  expect(pages.sort(), "a page is missing from e2e/authz-matrix.ts PAGES (or listed but gone)").toEqual(
    PAGES.map((cell) => cell.route).sort(),
  );
  const routes = [...new Set(ROUTES.map((cell) => `${cell.method} ${cell.route}`))];
  expect(routeHandlers().sort(), "a route handler method is missing from e2e/authz-matrix.ts ROUTES").toEqual(
    routes.sort(),
  );

  const listed = ACTIONS.map((cell) => `${cell.file}#${cell.exportedName}`).sort();
  const built = readManifest()
    .map((action) => `${action.file}#${action.exportedName}`)
    .sort();
  expect(
    built,
    "a server action in the build is missing from e2e/authz-matrix.ts ACTIONS (or the build is older than the table)",
  ).toEqual(listed);
  for (const exported of useServerExports())
    expect(
      built,
      `${exported} is exported from a "use server" file but not in the build: rebuild .next-test`,
    ).toContain(exported);
});

// Rows a probe could create or change: none of them may move while the matrix runs.
async function writableState(): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<Record<string, number>>(`SELECT
      (SELECT count(*)::int FROM "AccessRequest") AS requests,
      (SELECT coalesce(sum(version), 0)::int FROM "AccessRequest" WHERE status IN ('PENDING', 'APPROVED', 'ACTIVE')) AS "liveRequestVersions",
      (SELECT count(*)::int FROM "ApprovalDecision") AS decisions,
      (SELECT count(*)::int FROM "Grant") AS grants,
      (SELECT count(*)::int FROM "DriftFinding" WHERE status <> 'OPEN') AS "closedFindings",
      (SELECT count(*)::int FROM "Alert" WHERE status = 'ACKNOWLEDGED') AS "acknowledgedAlerts",
      (SELECT count(*)::int FROM "AuditEvent" WHERE action = 'notification.retried') AS "retriedNotifications"`);
    return rows[0]!;
  } finally {
    await client.end();
  }
}

const redirectTarget = (response: APIResponse) =>
  response.headers()["x-action-redirect"] ?? response.headers().location ?? "";

async function callAction(
  request: APIRequestContext,
  action: ManifestAction,
  cell: ActionCell,
  baseURL: string,
): Promise<APIResponse> {
  const page = PAGES.find((candidate) => candidate.route === action.pages[0]);
  expect(page, `a page to post ${cell.exportedName} to`).toBeDefined();
  // The browser's encoding of (previousState, formData): fields prefixed with the FormData's reference id, the root last.
  const multipart = new FormData();
  for (const [name, value] of Object.entries(cell.fields)) multipart.append(`_1_${name}`, value);
  multipart.append("0", JSON.stringify([null, "$K1"]));
  return request.post(page!.visit, {
    headers: { "next-action": action.id, accept: "text/x-component", origin: baseURL },
    multipart,
    maxRedirects: 0,
  });
}

function actionCode(body: string): string | null {
  return /"ok":false,"code":"([A-Z_]+)"/.exec(body)?.[1] ?? null;
}

async function runMatrix(request: APIRequestContext, who: string, roles: RoleName[] | null, baseURL: string) {
  const problems: string[] = [];
  const check = (ok: boolean, cell: string, got: string) => {
    if (!ok) problems.push(`${who} · ${cell}: got ${got}`);
  };

  for (const cell of PAGES) {
    const response = await request.get(cell.visit, { maxRedirects: 0 });
    const status = response.status();
    const location = response.headers().location ?? "";
    const got = `${status} ${location}`;
    if (roles === null && cell.allow !== "public") {
      // Sent to sign-in with the page remembered, so the visitor comes back to it afterwards.
      const expected = signInPathFor(cell.visit);
      const target = location ? new URL(location, baseURL) : null;
      check(
        status >= 300 && status < 400 && target !== null && target.pathname + target.search === expected,
        `page ${cell.visit} (→ ${expected})`,
        got,
      );
    } else if (roles !== null && cell.signedInRedirect)
      check(
        status >= 300 && status < 400 && new URL(location, baseURL).pathname === cell.signedInRedirect,
        `page ${cell.visit} (→ ${cell.signedInRedirect})`,
        got,
      );
    else if (allows(cell.allow, roles))
      check(status === cell.allowedStatus, `page ${cell.visit} (${cell.allowedStatus})`, got);
    else
      check(status >= 300 && status < 400 && /\/forbidden$/.test(location), `page ${cell.visit} (→ /forbidden)`, got);
  }

  for (const cell of ROUTES) {
    const response =
      cell.method === "GET"
        ? await request.get(cell.call, { maxRedirects: 0 })
        : await request.post(cell.call, { maxRedirects: 0, form: {} });
    const expected = allows(cell.allow, roles) ? cell.allowedStatus : roles === null ? 401 : 403;
    check(response.status() === expected, `${cell.method} ${cell.call} (${expected})`, String(response.status()));
  }

  const manifest = readManifest();
  for (const cell of ACTIONS) {
    const action = manifest.find(
      (candidate) => candidate.file === cell.file && candidate.exportedName === cell.exportedName,
    )!;
    const response = await callAction(request, action, cell, baseURL);
    const body = await response.text();
    const code = actionCode(body);
    const got = `${response.status()} ${code ?? (redirectTarget(response) || body.slice(0, 200))}`;
    const label = `action ${cell.exportedName} (${cell.purpose})`;
    if (response.status() >= 500) check(false, label, got);
    else if (allows(cell.allow, roles))
      check(
        cell.redirectsTo ? cell.redirectsTo.test(redirectTarget(response)) : code === cell.passedCode,
        `${label} passes authorization (${cell.redirectsTo ?? cell.passedCode})`,
        got,
      );
    // Anonymous callers are stopped at the door (redirect to sign-in) or by the verb (UNAUTHENTICATED).
    else if (roles === null)
      check(
        code === "UNAUTHENTICATED" || /\/signin/.test(redirectTarget(response)),
        `${label} refused (UNAUTHENTICATED)`,
        got,
      );
    else check(code === "FORBIDDEN", `${label} refused (FORBIDDEN)`, got);
  }
  return problems;
}

function rolesOf(persona: Persona): RoleName[] {
  return rolesForGroups([...persona.groups], roleMap);
}

async function signedInRequest(browser: Browser, persona: Persona) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInAs(page, persona.key);
  await page.close();
  return context;
}

test("every page, route handler and server action answers each persona as the matrix says, and nothing is written", async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const before = await writableState();
  const problems: string[] = [];

  const anonymous = await browser.newContext();
  problems.push(...(await runMatrix(anonymous.request, "anonymous", null, baseURL!)));
  await anonymous.close();

  for (const persona of PERSONAS) {
    const context = await signedInRequest(browser, persona);
    problems.push(
      ...(await runMatrix(
        context.request,
        `${persona.key} (${rolesOf(persona).join(", ")})`,
        rolesOf(persona),
        baseURL!,
      )),
    );
    // The sign-out cell ran last: the session it ended no longer opens a portal page.
    const after = await context.request.get("/", { maxRedirects: 0 });
    if (!/\/signin$/.test(after.headers().location ?? ""))
      problems.push(`${persona.key}: still signed in after the sign-out action`);
    await context.close();
  }

  expect(problems).toEqual([]);
  expect(await writableState()).toEqual(before);
});
