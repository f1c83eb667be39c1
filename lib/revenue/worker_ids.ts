/**
 * The customer ids' way to the revenue worker and back with no JS string per id on the main
 * thread (Polars-free: the worker imports it). They go as one string and each id's length, which
 * Polars makes (worker.ts), and come back as each answered customer's position among them, which
 * the main thread gathers from its own column. At 200k ids: making and cloning an array of them
 * took the main thread ~65 ms, the one string ~15 ms; a column made again from the answer's
 * strings ~35 ms, the gather ~5–15 ms.
 */

/**
 * The ids as sent: one string and each id's length in it (UTF-16 units), or, when an id holds a
 * character beyond the BMP (its length in characters is not its JS length), the ids themselves.
 */
export type SentIds = { joined: string; lengths: Uint32Array } | { ids: string[] };

/** The ids of `sent`, in order (cut from the one string: no id is parsed or copied). */
export function idsOfSent(sent: SentIds): string[] {
  if ("ids" in sent) return sent.ids;
  const { joined, lengths } = sent;
  const ids: string[] = new Array(lengths.length);
  let at = 0;
  for (let i = 0; i < lengths.length; i++) {
    const end = at + lengths[i];
    ids[i] = joined.slice(at, end);
    at = end;
  }
  return ids;
}

/** Whether `lengths` cut `joined` whole: false when some id's characters are not its JS length. */
export function lengthsCutWhole(joined: string, lengths: Uint32Array): boolean {
  let total = 0;
  for (let i = 0; i < lengths.length; i++) total += lengths[i];
  return total === joined.length;
}

/**
 * Each of `answered`'s position in `asked`. `answered` holds each id once, in the order of its
 * first place in `asked` (loadRevenue's customers are the ids asked for, unknown ones left out),
 * so one walk finds them: an id's repeats in `asked` come after its first place.
 */
export function positionsIn(asked: readonly string[], answered: readonly string[]): Uint32Array {
  const positions = new Uint32Array(answered.length);
  let next = 0;
  for (let at = 0; at < asked.length && next < answered.length; at++) {
    if (asked[at] === answered[next]) positions[next++] = at;
  }
  if (next < answered.length) {
    throw new Error(`the revenue answered customer ${answered[next]}, not among the ids asked for`);
  }
  return positions;
}
