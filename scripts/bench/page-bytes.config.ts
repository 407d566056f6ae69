// `npx playwright test --config scripts/bench/page-bytes.config.ts`: the e2e stack (its own ports, throwaway database) with an
// organization-sized inventory, printing how many bytes /requests/new sends. Not part of the e2e suite: it rewrites the policy.
import path from "node:path";
import { defineConfig } from "@playwright/test";
import e2e from "../../playwright.config";

const root = path.resolve(import.meta.dirname, "../..");

export default defineConfig({
  ...e2e,
  testDir: import.meta.dirname,
  testMatch: "page-bytes.spec.ts",
  reporter: [["list"]],
  webServer: { ...e2e.webServer!, cwd: root } as typeof e2e.webServer,
});
