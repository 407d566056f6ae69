import fs from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { rolesForGroups } from "../lib/auth/roles";
import { PERSONAS, type Persona } from "../lib/demo/personas";
import { parseEnv } from "../lib/env";
import { allows, MISSING_ID, PAGES, PUBLIC, type PageCell } from "./authz-matrix";
import { signInAs } from "./fixtures";

type Box = { x: number; y: number; width: number; height: number };

// Every page, for every persona whose roles may open it, on a laptop and on a phone: no serious or critical axe finding, no sideways scroll.
const WIDTHS = [1366, 390] as const;
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const BLOCKING = new Set(["serious", "critical"]);
// A11Y_REPORT=1 records the counts to test-results/ without failing, for a before/after comparison.
const REPORT_ONLY = process.env.A11Y_REPORT === "1";

const roleMap = parseEnv({}, { building: true }).IDP_ROLE_MAP;
const roleSet = (persona: Persona) => rolesForGroups(persona.groups, roleMap);

// Pages render by role (and ownership, covered by the request's owner below): one persona per distinct set of roles.
const PERSONAS_BY_ROLES = PERSONAS.filter(
  (persona, index) =>
    roleSet(persona).length > 0 &&
    PERSONAS.findIndex((other) => roleSet(other).join("+") === roleSet(persona).join("+")) === index,
);

type Scheme = "light" | "dark";

interface Finding {
  page: string;
  persona: string;
  width: number;
  scheme: Scheme;
  violations: { id: string; impact: string; nodes: number; targets: string[] }[];
  overflow: { scrollWidth: number; clientWidth: number };
}

const findings: Finding[] = [];
const pages = new Map<string, Page>();
let requestId = "";

async function signedInPage(browser: Browser, persona: Persona | null): Promise<Page> {
  const key = persona?.key ?? "anonymous";
  const existing = pages.get(key);
  if (existing) return existing;
  const page = await (await browser.newContext()).newPage();
  if (persona) await signInAs(page, persona.key);
  pages.set(key, page);
  return page;
}

/** A real request owned by the first requester, so the detail pages render their full content instead of "not found". */
async function createRequest(page: Page): Promise<string> {
  await page.goto("/requests/new");
  await page.getByTestId("account-search").fill("payments-prod");
  await page.getByRole("checkbox", { name: "PowerUser on payments-prod" }).check();
  await page.getByRole("button", { name: "30 min", exact: true }).click();
  await page.getByLabel("Justification").fill("Accessibility check of the request pages");
  await page.getByLabel("Ticket").fill("PAY-4242");
  await page.getByTestId("submit-request").click();
  await expect(page).toHaveURL(/\/requests\/(?!new)[^/]+$/);
  return page.url().split("/").at(-1)!;
}

const visitOf = (cell: PageCell) => cell.visit.replace(MISSING_ID, requestId);

async function check(page: Page, cell: PageCell, persona: string, width: number, scheme: Scheme): Promise<Finding> {
  await page.setViewportSize({ width, height: 900 });
  await page.emulateMedia({ colorScheme: scheme });
  const response = await page.goto(visitOf(cell));
  expect(response?.status(), `${cell.visit} as ${persona}`).toBeLessThan(500);
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const overflow = await page.evaluate(() => ({
    scrollWidth: document.scrollingElement!.scrollWidth,
    clientWidth: document.scrollingElement!.clientWidth,
  }));
  return {
    page: cell.route,
    persona,
    width,
    scheme,
    violations: results.violations
      .filter((violation) => BLOCKING.has(violation.impact ?? ""))
      .map((violation) => ({
        id: violation.id,
        impact: violation.impact!,
        nodes: violation.nodes.length,
        targets: violation.nodes.slice(0, 3).map((node) => node.target.join(" ")),
      })),
    overflow,
  };
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  const owner = PERSONAS_BY_ROLES.find((persona) => allows(["REQUESTER"], roleSet(persona)))!;
  requestId = await createRequest(await signedInPage(browser, owner));
});

test.afterAll(async () => {
  for (const page of pages.values()) await page.context().close();
  fs.mkdirSync("test-results", { recursive: true });
  fs.writeFileSync(
    `test-results/accessibility-${REPORT_ONLY ? "report" : "check"}.json`,
    JSON.stringify(findings, null, 2),
  );
});

// Colour contrast is what changes in the dark scheme; one width is enough for it.
const VISITS: { width: number; scheme: Scheme }[] = [
  ...WIDTHS.map((width) => ({ width, scheme: "light" as const })),
  { width: WIDTHS[0], scheme: "dark" },
];

for (const cell of PAGES) {
  test(`${cell.route}: no serious or critical axe violation (light and dark) and no horizontal overflow at ${WIDTHS.join(" and ")} px`, async ({
    browser,
  }) => {
    const visitors =
      cell.allow === PUBLIC ? [null] : PERSONAS_BY_ROLES.filter((persona) => allows(cell.allow, roleSet(persona)));
    expect(visitors.length, `someone may open ${cell.route}`).toBeGreaterThan(0);
    // Axe on a busy shared machine takes seconds per page: the budget grows with the number of visits.
    test.setTimeout(visitors.length * VISITS.length * 30_000 + 60_000);
    for (const persona of visitors) {
      const page = await signedInPage(browser, persona);
      for (const { width, scheme } of VISITS) {
        const finding = await check(page, cell, persona?.key ?? "anonymous", width, scheme);
        findings.push(finding);
        if (REPORT_ONLY) continue;
        const where = `${cell.route} as ${finding.persona} at ${width} px (${scheme})`;
        expect.soft(finding.violations, `${where}: serious or critical axe violations`).toEqual([]);
        expect
          .soft(finding.overflow.scrollWidth, `${where}: page wider than the viewport`)
          .toBeLessThanOrEqual(finding.overflow.clientWidth);
      }
    }
  });
}

test("the favicon is served from public/ and the root layout links it", async ({ browser, request }) => {
  const favicon = await request.get("/favicon.ico");
  expect(favicon.status()).toBe(200);
  expect(favicon.headers()["content-type"]).toMatch(/image\//);
  const page = await signedInPage(browser, null);
  const missing: string[] = [];
  page.on("response", (response) => {
    if (response.status() === 404) missing.push(response.url());
  });
  await page.goto("/signin");
  await expect(page.locator('head link[rel~="icon"]').first()).toHaveAttribute("href", /.+/);
  expect(missing, "the sign-in page requests nothing that is missing").toEqual([]);
});

test("a keyboard user can skip to the content and sees a focus ring on every control", async ({ browser }) => {
  const page = await signedInPage(browser, PERSONAS_BY_ROLES[0]!);
  await page.setViewportSize({ width: 1366, height: 900 });
  await page.goto("/");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  expect((await skip.boundingBox())?.width ?? 0, "the skip link shows once focused").toBeGreaterThan(20);
  await page.keyboard.press("Enter");
  await expect(page.locator("main#content")).toBeFocused();

  const ringOf = () =>
    page.evaluate(() => {
      const style = getComputedStyle(document.activeElement!);
      return { tag: document.activeElement!.tagName, style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
  // From the content: the first link, then a button, then a text field, each reached by keyboard.
  for (const target of [
    page.getByRole("link", { name: "Home", exact: true }),
    page.getByRole("button", { name: "Sign out" }),
  ]) {
    await target.focus();
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Tab");
    await expect(target).toBeFocused();
    const ring = await ringOf();
    expect(ring.style, `${ring.tag} has a visible focus outline`).not.toBe("none");
    expect(ring.width, `${ring.tag} outline is at least 2 px`).toBeGreaterThanOrEqual(2);
  }
  await page.goto("/requests/new");
  await page.getByLabel("Justification").focus();
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Tab");
  const ring = await ringOf();
  expect(ring.style, "a text field has a visible focus outline").not.toBe("none");
  expect(ring.width).toBeGreaterThanOrEqual(2);
});

test("filter forms keep every control in its own cell, inside the card, at 1366 and 390 px", async ({ browser }) => {
  const auditor = PERSONAS_BY_ROLES.find((persona) => allows(["AUDITOR"], roleSet(persona)))!;
  const page = await signedInPage(browser, auditor);
  for (const path of ["/audit", "/audit/insights"])
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(path);
      const form = page.getByTestId("history-filters");
      const formBox = (await form.boundingBox())!;
      const controls = await form.locator("input:not([type=hidden]), select").evaluateAll((elements) =>
        elements.map((element) => {
          const rect = element.getBoundingClientRect();
          const name = element.getAttribute("name") ?? element.id;
          return { name, x: rect.x, y: rect.y, width: rect.width, height: rect.height };
        }),
      );
      expect(controls.length).toBeGreaterThan(8);
      const overlaps = (a: Box, b: Box) =>
        a.x < b.x + b.width - 0.5 &&
        b.x < a.x + a.width - 0.5 &&
        a.y < b.y + b.height - 0.5 &&
        b.y < a.y + a.height - 0.5;
      for (const [index, control] of controls.entries()) {
        expect(
          control.x >= formBox.x - 0.5 && control.x + control.width <= formBox.x + formBox.width + 0.5,
          `${path} at ${width} px: ${control.name} stays inside the filter card`,
        ).toBe(true);
        for (const other of controls.slice(index + 1))
          expect(overlaps(control, other), `${path} at ${width} px: ${control.name} overlaps ${other.name}`).toBe(
            false,
          );
      }
    }
});

test("the insights charts have their numbers as a table", async ({ browser }) => {
  const auditor = PERSONAS_BY_ROLES.find((persona) => allows(["AUDITOR"], roleSet(persona)))!;
  const page = await signedInPage(browser, auditor);
  await page.setViewportSize({ width: 1366, height: 900 });
  await page.goto("/audit/insights");
  for (const [chart, caption] of [
    ["chart-outcomes", "Requests per day by outcome"],
    ["chart-top-accounts", "Top accounts by requests"],
  ] as const) {
    await expect(page.getByTestId(chart)).toBeVisible();
    await page.getByTestId(`${chart}-table`).getByText("Show the numbers as a table").click();
    await expect(page.getByRole("table", { name: caption })).toBeVisible();
  }
  await expect(page.getByRole("table", { name: "Top accounts by requests" })).toContainText("payments-prod");
  await expect(
    page.getByRole("table", { name: "Requests per day by outcome" }).getByRole("columnheader", { name: "Pending" }),
  ).toBeVisible();
});
