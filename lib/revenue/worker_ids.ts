/**
 * The customer ids' way to the revenue worker and back with no JS string per id on the main
 * thread (Polars-free: the worker imports it). The worker first tells the ids its cache knows
 * (KnownIds: its subscribed customers, once the cache is indexed); the main thread matches the
 * ids asked for against them (worker.ts) and sends each one's place there, and only the ids it
 * does not know as one string and each id's length, which Polars makes; the worker puts its own
 * strings in the known ids' places, so they are not hashed again (an id string is hashed on its
 * first lookup: ~0.5–0.75 µs each, ~120–165 ms of the worker's CPU for 200k fresh ids). The
 * answer names each customer by its position among the ids asked for, which the main thread
 * gathers from its own column. At 200k ids: making and cloning an array of them took the main
 * thread ~65 ms, the one string ~15 ms; a column made again from the answer's strings ~35 ms, the
 * gather ~5–15 ms.
 */

/**
 * The ids the worker's cache knows, as it tells the main thread: joined by "\n" (an id holding
 * one, or not well-formed UTF-16, is left out: it goes as text), and how many.
 */
export interface KnownIds {
  joined: string;
  count: number;
}

/** The ids asked for as sent: each one's place among the known ids (NOT_KNOWN: not there), the others. */
export interface MatchedIds {
  places: Uint32Array;
  /** the ids with no place, in their order among the ids asked for */
  others: SentIds;
}

/** A place for an id the worker's cache does not know (it is among MatchedIds' others). */
export const NOT_KNOWN = 0xffffffff;

/** The ids `customers` told as KnownIds, and the list their places index. */
export function knownIdsOf(customers: Iterable<string>): { ids: string[]; told: KnownIds } {
  const ids: string[] = [];
  for (const id of customers) {
    if (!id.includes("\n") && id.isWellFormed()) ids.push(id);
  }
  return { ids, told: { joined: ids.join("\n"), count: ids.length } };
}

/** The ids asked for, in order: the known ones as `known`'s own strings, the others as sent. */
export function idsOfMatched(known: readonly string[], matched: MatchedIds): string[] {
  const { places } = matched;
  const others = idsOfSent(matched.others);
  const ids: string[] = new Array(places.length);
  let next = 0;
  for (let i = 0; i < places.length; i++) {
    const place = places[i];
    if (place === NOT_KNOWN) ids[i] = others[next++];
    else if (place < known.length) ids[i] = known[place];
    else throw new Error(`the ids asked for name place ${place} of ${known.length} known ids`);
  }
  if (next !== others.length) {
    throw new Error(`the ids asked for hold ${others.length} ids with no place, ${next} used`);
  }
  return ids;
}

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
