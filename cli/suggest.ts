/** Optimal-string-alignment distance (an adjacent swap counts as one edit), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows: number[][] = Array.from({ length: s.length + 1 }, (_, i) =>
    Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1])
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[s.length]![t.length]!;
}

/** Up to `limit` candidates close to what was typed: typos within a quarter of the length, or containing it. */
export function closeMatches(typed: string, candidates: readonly string[], limit = 3): string[] {
  const needle = typed.trim().toLowerCase();
  if (needle === "") return [];
  const allowed = Math.max(1, Math.floor(needle.length / 4));
  const scored = [...new Set(candidates)]
    .map((candidate) => {
      const lower = candidate.toLowerCase();
      const distance = editDistance(needle, lower);
      const contains = needle.length >= 3 && (lower.includes(needle) || needle.includes(lower));
      return { candidate, distance, close: distance <= allowed || contains };
    })
    .filter((entry) => entry.close);
  scored.sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate));
  return scored.slice(0, limit).map((entry) => entry.candidate);
}

/** "Did you mean a, b or c?" or "" when nothing is close. */
export function didYouMean(typed: string, candidates: readonly string[]): string {
  const matches = closeMatches(typed, candidates);
  if (matches.length === 0) return "";
  const listed =
    matches.length === 1 ? matches[0] : `${matches.slice(0, -1).join(", ")} or ${matches[matches.length - 1]}`;
  return ` Did you mean ${listed}?`;
}
