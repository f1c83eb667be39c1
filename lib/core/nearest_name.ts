/**
 * The valid name nearest a misspelled one (a notebook parameter's key, a settings file's name), so
 * an error or warning can say "did you mean …?". Imports nothing: parameters.ts and setting_names.ts
 * (which config.ts imports) both use it.
 */

/**
 * The last row of the edit table (insert, delete, substitute) of `a` against `b`, case aside:
 * entry j, the fewest edits turning all of `a` into what ends at b's j-th character, given what a
 * start before b's j-th character costs (`startCost`).
 */
function lastEditRow(a: string, b: string, startCost: (j: number) => number): number[] {
  const x = a.toLowerCase();
  const y = b.toLowerCase(); // (lower case may be longer: lengths are y's, not b's)
  let previous = Array.from({ length: y.length + 1 }, (_, j) => startCost(j));
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous;
}

/** Edits (insert, delete, substitute) between two names, case aside. */
function editDistance(a: string, b: string): number {
  // a start anywhere but b's first character costs the characters of b skipped
  const row = lastEditRow(a, b, (j) => j);
  return row[row.length - 1];
}

/**
 * The name of `names` nearest `given`, or null when none is near enough to be what was meant
 * (one that starts with the other, or within a third of its length in edits).
 */
export function nearestName(given: string, names: readonly string[]): string | null {
  const lower = given.toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const name of names) {
    const distance = editDistance(given, name);
    const near = name.toLowerCase().startsWith(lower) || lower.startsWith(name.toLowerCase()) ||
      distance <= Math.max(2, Math.floor(name.length / 3));
    if (near && distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}

/**
 * Edits (insert, delete, substitute) turning `needle` into the part of `haystack` nearest it,
 * case aside: 0 when `haystack` contains it. "acme crop" is 2 from "Big Acme Corp Ltd", which
 * whole names' distance (editDistance) puts 10 edits away.
 */
export function substringEdits(needle: string, haystack: string): number {
  // a start anywhere in the haystack is free: row 0 is all 0
  const ends = lastEditRow(needle, haystack, () => 0);
  let fewest = ends[0]; // (an end anywhere is free; no spread: a name may be 40,000 long)
  for (const edits of ends) fewest = Math.min(fewest, edits);
  return fewest;
}
