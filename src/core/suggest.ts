// "Did you mean": the known words close to one that was not found, taken for a typing slip. One
// rule for every place segsync suggests (schema keys and values, attributes, environments, the
// segment names of a state file or of the definitions), so the same slip gets the same answer.

/**
 * Up to `most` of `candidates` within a few edits of `word`, closest first (ties in code unit
 * order). Case is ignored (`Country` finds `country`), a swap of two neighbouring letters is one
 * edit, and a word may be a third of its length away, at least 1 edit and at most 3: a longer
 * distance suggests a different word, not a slip. `word` itself is never suggested.
 */
export function nearMisses(word: string, candidates: readonly string[], most = 3): string[] {
  const wanted = word.toLowerCase();
  const tolerance = Math.min(3, Math.max(1, Math.floor(wanted.length / 3)));
  const close: { candidate: string; distance: number }[] = [];
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = editDistance(wanted, candidate.toLowerCase(), tolerance);
    if (distance <= tolerance) close.push({ candidate, distance });
  }
  return close
    .sort((a, b) => a.distance - b.distance || (a.candidate < b.candidate ? -1 : 1))
    .slice(0, most)
    .map(({ candidate }) => candidate);
}

/** The one closest candidate to a probable typo, if one is close enough to suggest. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  return nearMisses(word, candidates, 1)[0];
}

/**
 * Optimal string alignment distance (insertions, deletions, substitutions and swaps of two
 * neighbours, each one edit); anything beyond `limit` is reported as `limit + 1` without
 * computing it, since it is then too far to suggest anyway.
 */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      let best = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (beforePrevious[j - 2] ?? 0) + 1);
      }
      row.push(best);
    }
    beforePrevious = previous;
    previous = row;
  }
  return previous[b.length] ?? 0;
}
