// Summarizes a next-server CPU profile written by `npm run bench:web -- --profile DIR`: per page (from the page-windows.json
// the bench writes beside it) the self time by package and the top functions, with the server's minified chunks mapped back
// to their sources. Usage: tsx scripts/bench/profile-summary.ts DIR/<file>.cpuprofile [--top N]
import fs from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}
interface PageWindow {
  page: string;
  connections: number;
  startUs: number;
  endUs: number;
}

const maps = new Map<string, SourceMap | null>();
function sourceMapFor(file: string): SourceMap | null {
  if (!maps.has(file)) {
    let map: SourceMap | null = null;
    try {
      map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, "utf8")));
    } catch {
      // No map beside the chunk: the frame keeps its minified name.
    }
    maps.set(file, map);
  }
  return maps.get(file)!;
}

/** Where a frame's code comes from: the package, or the app's own source file and line. */
function describe(frame: CallFrame): { group: string; label: string } {
  const name = frame.functionName || "(anonymous)";
  if (!frame.url) return { group: name.startsWith("(") ? name : "(native)", label: name };
  if (frame.url.startsWith("node:")) return { group: "node internals", label: `${name} ${frame.url}` };
  const file = frame.url.startsWith("file://") ? fileURLToPath(frame.url) : frame.url;
  let source = file;
  let line = frame.lineNumber + 1;
  if (file.includes("/server/chunks/") || file.includes("/server/app/")) {
    const entry = sourceMapFor(file)?.findEntry(frame.lineNumber, frame.columnNumber) as
      { originalSource?: string; originalLine?: number } | undefined;
    if (entry?.originalSource) {
      source = entry.originalSource.replace(/^.*\[project\]\//, "").replace(/^(\.\.\/)+/, "");
      line = (entry.originalLine ?? 0) + 1;
    }
  }
  const pkg = source.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1];
  if (pkg) return { group: pkg, label: `${name} ${pkg}${source.split(`node_modules/${pkg}`)[1] ?? ""}:${line}` };
  const relative = source.startsWith("/") ? path.relative(process.cwd(), source) : source;
  return { group: `app ${relative.split("/").slice(0, 2).join("/")}`, label: `${name} ${relative}:${line}` };
}

function summarize(profile: CpuProfile, from: number, to: number, top: number): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const described = new Map<number, { group: string; label: string }>();
  const info = (id: number) => {
    if (!described.has(id)) described.set(id, describe(byId.get(id)!.callFrame));
    return described.get(id)!;
  };
  const self = new Map<string, number>();
  const groups = new Map<string, number>();
  const inclusiveApp = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i]!;
    const weight = profile.timeDeltas[i + 1] ?? 0;
    if (at < from || at >= to) continue;
    const id = profile.samples[i]!;
    const frame = info(id);
    if (frame.group === "(idle)") continue;
    total += weight;
    self.set(frame.label, (self.get(frame.label) ?? 0) + weight);
    groups.set(frame.group, (groups.get(frame.group) ?? 0) + weight);
    // Inclusive time of the app's own functions, each counted once per sample however deep it recurses.
    const seen = new Set<string>();
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
      const outer = info(node);
      if (outer.group.startsWith("app ") && !seen.has(outer.label)) {
        seen.add(outer.label);
        inclusiveApp.set(outer.label, (inclusiveApp.get(outer.label) ?? 0) + weight);
      }
    }
  }
  const ms = (us: number) => (us / 1000).toFixed(0);
  const pct = (us: number) => ((100 * us) / Math.max(total, 1)).toFixed(1);
  const rank = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `  sampled CPU ${ms(total)} ms`,
    `  by package: ${rank(groups)
      .map(([g, us]) => `${g} ${pct(us)}%`)
      .join(", ")}`,
    "  top self time:",
    ...rank(self).map(([label, us]) => `    ${pct(us).padStart(5)}%  ${label}`),
    "  top inclusive time in the app's own code:",
    ...rank(inclusiveApp).map(([label, us]) => `    ${pct(us).padStart(5)}%  ${label}`),
  ];
}

function main() {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: "string" } } });
  const file = positionals[0];
  if (!file) throw new Error("Usage: tsx scripts/bench/profile-summary.ts DIR/<file>.cpuprofile [--top N]");
  const top = Number(values.top ?? 12);
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
  const windowsFile = path.join(path.dirname(file), "page-windows.json");
  const windows: PageWindow[] = fs.existsSync(windowsFile) ? JSON.parse(fs.readFileSync(windowsFile, "utf8")) : [];
  console.log("whole profile");
  for (const text of summarize(profile, -Infinity, Infinity, top)) console.log(text);
  for (const w of windows) {
    console.log(`${w.page} at ${w.connections} connections`);
    for (const text of summarize(profile, w.startUs, w.endUs, top)) console.log(text);
  }
}

main();
