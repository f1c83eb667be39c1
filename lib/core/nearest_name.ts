/**
 * The valid name nearest a misspelled one (a notebook parameter's key, a settings file's name), so
 * an error or warning can say "did you mean …?". Imports nothing: parameters.ts and setting_names.ts
 * (which config.ts imports) both use it.
 */

/** Edits (insert, delete, substitute) between two names, case aside. */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
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
  return previous[y.length];
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
  const x = needle.toLowerCase();
  const y = haystack.toLowerCase();
  // row i: the fewest edits of x's first i characters ending at each place in y (a start anywhere
  // is free: row 0 is all 0)
  let previous = new Array<number>(y.length + 1).fill(0);
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
  let fewest = previous[0]; // (an end anywhere is free; no spread: a name may be 40,000 long)
  for (const edits of previous) fewest = Math.min(fewest, edits);
  return fewest;
}
