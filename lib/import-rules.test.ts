import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// Enforces the import rules stated in lib/README.md; the domain's own purity (no I/O, env or framework) is
// lib/domain/purity.test.ts.

const repoRoot = path.resolve(import.meta.dirname, "..");
const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["']([^"']+)["']/g;
// Started by a command, not imported: `npm run worker`.
const ENTRY_POINTS = new Set(["lib/worker/main.ts"]);
// Stand-ins and test infrastructure: shipped code never imports them.
const NON_PRODUCT_FOLDERS = [
  "lib/testing/",
  "lib/simulator/",
  "lib/slack-simulator/",
  "lib/mail-sink/",
  "lib/webhook-receiver/",
  "lib/demo/",
];

interface ModuleImports {
  file: string;
  isTest: boolean;
  /** Repository-relative paths (without extension) of the local modules this file imports. */
  imports: string[];
}

function listSources(folder: string): string[] {
  return fs
    .readdirSync(path.join(repoRoot, folder), { recursive: true, encoding: "utf8" })
    .map((entry) => path.posix.join(folder, entry.split(path.sep).join("/")))
    .filter((file) => /\.tsx?$/.test(file) && !file.startsWith("lib/generated/"));
}

function localTarget(file: string, specifier: string): string | null {
  if (specifier.startsWith("@/")) return path.posix.normalize(specifier.slice(2));
  if (specifier.startsWith(".")) return path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
  return null;
}

function readImports(file: string): ModuleImports {
  const text = fs.readFileSync(path.join(repoRoot, file), "utf8");
  const imports = [...text.matchAll(SPECIFIER)]
    .map((match) => localTarget(file, match[1] ?? ""))
    .filter((target): target is string => target !== null)
    .map((target) => target.replace(/\.tsx?$/, ""));
  return { file, isTest: /\.test\.tsx?$/.test(file), imports };
}

const libModules = listSources("lib").map(readImports);
const productModules = libModules.filter(
  (module) => !module.isTest && !NON_PRODUCT_FOLDERS.some((folder) => module.file.startsWith(folder)),
);

function violations(modules: ModuleImports[], forbidden: (target: string, module: ModuleImports) => boolean) {
  return modules.flatMap((module) =>
    module.imports.filter((target) => forbidden(target, module)).map((target) => `${module.file} -> ${target}`),
  );
}

describe("lib/ import rules (lib/README.md)", () => {
  it("reads the lib sources", () => {
    expect(libModules.length).toBeGreaterThan(100);
    expect(productModules.length).toBeGreaterThan(50);
  });

  it("nothing in lib/ imports scripts/ or e2e/", () => {
    expect(violations(libModules, (target) => /^(scripts|e2e)\//.test(target))).toEqual([]);
  });

  it("only tests in lib/ import app/ or components/ (to call a route handler or page directly)", () => {
    const nonTests = libModules.filter((module) => !module.isTest);
    expect(violations(nonTests, (target) => /^(app|components)\//.test(target))).toEqual([]);
  });

  it("lib/domain imports nothing outside lib/domain", () => {
    const domain = libModules.filter((module) => module.file.startsWith("lib/domain/"));
    expect(violations(domain, (target) => !target.startsWith("lib/domain/"))).toEqual([]);
  });

  it("lib/simulator imports only itself and lib/demo, so it never shares code with the client it stands in for", () => {
    const simulator = libModules.filter((module) => module.file.startsWith("lib/simulator/"));
    const allowed = (target: string) => target.startsWith("lib/simulator/") || target.startsWith("lib/demo/");
    expect(violations(simulator, (target) => !allowed(target))).toEqual([]);
  });

  it("lib/slack-simulator imports only itself, lib/demo and the Identity Center simulator's token bucket", () => {
    const simulator = libModules.filter((module) => module.file.startsWith("lib/slack-simulator/"));
    const allowed = (target: string) =>
      target.startsWith("lib/slack-simulator/") || target.startsWith("lib/demo/") || target === "lib/simulator/faults";
    expect(violations(simulator, (target) => !allowed(target))).toEqual([]);
  });

  // The web and the worker call services, not the reverse.
  it("lib/services never imports lib/auth, lib/web or lib/worker", () => {
    const services = libModules.filter((module) => module.file.startsWith("lib/services/") && !module.isTest);
    expect(violations(services, (target) => /^lib\/(auth|web|worker)\//.test(target))).toEqual([]);
  });

  // The pure domain is allowed: the credential report's parser is a rule the port applies to what AWS sends.
  it("lib/aws imports only itself and the pure lib/domain: the port gets its settings from the caller", () => {
    const port = libModules.filter((module) => module.file.startsWith("lib/aws/") && !module.isTest);
    const allowed = (target: string) => target.startsWith("lib/aws/") || target.startsWith("lib/domain/");
    expect(violations(port, (target) => !allowed(target))).toEqual([]);
  });

  it("shipped code never imports lib/testing, the local stand-ins (simulators, mail sink, webhook receiver) or lib/demo", () => {
    const nonProduct = (target: string) => NON_PRODUCT_FOLDERS.some((folder) => target.startsWith(folder));
    expect(violations(productModules, nonProduct)).toEqual([]);
  });

  // Seeds and helpers used only by scripts/ or e2e/ live there, not in lib/.
  it("every module in lib/ is used from lib/, app/, components/, proxy.ts or instrumentation.ts", () => {
    const importers = [...libModules, ...["app", "components"].flatMap(listSources).map(readImports)];
    importers.push(readImports("proxy.ts"), readImports("instrumentation.ts"));
    const imported = new Set(
      importers.flatMap((module) =>
        module.imports
          .filter((target) => target !== module.file.replace(/\.tsx?$/, ""))
          .flatMap((target) => [target, `${target}/index`]),
      ),
    );
    const unused = libModules
      .filter((module) => !module.isTest && !ENTRY_POINTS.has(module.file) && !module.file.startsWith("lib/testing/"))
      .map((module) => module.file)
      .filter((file) => !imported.has(file.replace(/\.tsx?$/, "")));
    expect(unused).toEqual([]);
  });
});
