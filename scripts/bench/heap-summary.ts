// Summarizes a V8 heap snapshot (`npm run bench:web -- --profile DIR` writes one of next-server after the load): live
// bytes by object type and constructor, and the largest strings, to tell what a grown server holds.
// Usage: tsx scripts/bench/heap-summary.ts DIR/<file>.heapsnapshot [--top N]
import fs from "node:fs";
import { parseArgs } from "node:util";

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

function main() {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: "string" } } });
  const file = positionals[0];
  if (!file) throw new Error("Usage: tsx scripts/bench/heap-summary.ts DIR/<file>.heapsnapshot [--top N]");
  const top = Number(values.top ?? 20);
  const heap = JSON.parse(fs.readFileSync(file, "utf8")) as HeapSnapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const byKind = new Map<string, { count: number; bytes: number }>();
  const strings: { bytes: number; text: string }[] = [];
  let total = 0;
  for (let i = 0; i < heap.nodes.length; i += width) {
    const type = types[heap.nodes[i + typeAt]!]!;
    const name = heap.strings[heap.nodes[i + nameAt]!]!;
    const bytes = heap.nodes[i + sizeAt]!;
    total += bytes;
    // Objects group by constructor; strings, code and arrays by their type (their names are their contents).
    const kind = type === "object" || type === "closure" ? `${type} ${name}` : type;
    const entry = byKind.get(kind) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += bytes;
    byKind.set(kind, entry);
    if ((type === "string" || type === "concatenated string") && bytes > 10_000)
      strings.push({ bytes, text: name.slice(0, 100).replace(/\s+/g, " ") });
  }
  const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);
  console.log(`live heap ${mb(total)} MB in ${(heap.nodes.length / width).toLocaleString("en-US")} objects`);
  for (const [kind, { count, bytes }] of [...byKind.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top))
    console.log(`  ${mb(bytes).padStart(7)} MB  ${String(count).padStart(8)}  ${kind.slice(0, 120)}`);
  console.log("largest strings:");
  for (const s of strings.sort((a, b) => b.bytes - a.bytes).slice(0, 10))
    console.log(`  ${(s.bytes / 1024).toFixed(0).padStart(6)} KB  ${s.text}`);
}

main();
