// What every benchmark prints: `BENCH <name> <value> <unit>` lines, `# ` notes, and nearest-rank percentiles.

export const bench = (name: string, value: number, unit: string) =>
  console.log(`BENCH ${name} ${Number.isInteger(value) ? value : value.toFixed(3)} ${unit}`);

export const note = (line: string) => console.log(`# ${line}`);

/** Nearest-rank percentile (p in 0..100); NaN for no values. */
export function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
