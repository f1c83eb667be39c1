/**
 * The customer ids' way to the revenue worker and back (lib/revenue/worker_ids.ts, worker.ts's
 * sentIds and matchedIds): the ids the worker's cache knows told as one string, the ids asked for
 * sent as places among them and the others cut from one string by their lengths, or sent as they
 * are when a length in characters is not the JS one; the answer's customers found by position.
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import pl from "nodejs-polars";
import { matchedIds, sentIds } from "../lib/revenue/worker.ts";
import {
  idsOfMatched,
  idsOfSent,
  knownIdsOf,
  NOT_KNOWN,
  positionsIn,
} from "../lib/revenue/worker_ids.ts";

Deno.test("ids go as one string and their lengths, and are cut back the same, accents included", () => {
  const ids = ["cus_a", "cus_é", "cus_Ω12", "c"];
  const sent = sentIds(pl.Series("stripe_customer_id", ids));
  assertEquals(sent, { joined: "cus_acus_écus_Ω12c", lengths: new Uint32Array([5, 5, 7, 1]) });
  assertEquals(idsOfSent(sent), ids);
});

Deno.test("an id with a character beyond the BMP (two JS units, one character) goes as the ids themselves", () => {
  const ids = ["cus_a", "cus_😀", "cus_b"];
  const sent = sentIds(pl.Series("stripe_customer_id", ids));
  assertEquals(sent, { ids });
  assertEquals(idsOfSent(sent), ids);
});

Deno.test("no ids: an empty string and no lengths", () => {
  const sent = sentIds(pl.Series("stripe_customer_id", [], pl.Utf8));
  assertEquals(sent, { joined: "", lengths: new Uint32Array(0) });
  assertEquals(idsOfSent(sent), []);
});

Deno.test("the answered customers' positions among the ids asked for: unknown ones skipped, repeats at their first place", () => {
  const asked = ["cus_a", "cus_unknown", "cus_b", "cus_a", "cus_c"];
  assertEquals(positionsIn(asked, ["cus_a", "cus_b", "cus_c"]), new Uint32Array([0, 2, 4]));
  assertEquals(positionsIn(asked, []), new Uint32Array(0));
  // a customer not asked for is a broken answer, not a wrong row
  throws(() => positionsIn(asked, ["cus_a", "cus_z"]), /cus_z, not among the ids asked for/);
});

Deno.test("ids the cache knows go as places among its own strings, the others as text, in the order asked", () => {
  // an id holding "\n" (the separator) or a lone surrogate (not UTF-8 in Polars) is not told
  const cache = ["cus_b", "cus_x\ny", "cus_a", "cus_😀", "cus_\uD800"];
  const { ids: known, told } = knownIdsOf(cache);
  assertEquals(known, ["cus_b", "cus_a", "cus_😀"]);
  assertEquals(told, { joined: "cus_b\ncus_a\ncus_😀", count: 3 });
  const asked = ["cus_a", "cus_new", "cus_😀", "cus_x\ny", "cus_b", "cus_z"];
  const matched = matchedIds(pl.Series("stripe_customer_id", asked), told);
  assertEquals(
    matched.places,
    new Uint32Array([1, NOT_KNOWN, 2, NOT_KNOWN, 0, NOT_KNOWN]),
  );
  assertEquals(matched.others, {
    joined: "cus_newcus_x\nycus_z",
    lengths: new Uint32Array([7, 7, 5]),
  });
  const ids = idsOfMatched(known, matched);
  assertEquals(ids, asked);
  // the known ones are the cache's own strings, not copies: the same strings the worker looks up
  ok(ids[0] === known[1] && ids[4] === known[0]);
  // a broken message fails, never names another id
  throws(
    () => idsOfMatched(known, { ...matched, places: new Uint32Array([7, 0, 0, 0, 0, 0]) }),
    /place 7 of 3 known ids/,
  );
});

Deno.test("no ids known (a fetch, no cache): every id goes as text", () => {
  const { ids: known, told } = knownIdsOf([]);
  assertEquals(told, { joined: "", count: 0 });
  const matched = matchedIds(pl.Series("stripe_customer_id", ["cus_a", "cus_b"]), told);
  assertEquals(matched.places, new Uint32Array([NOT_KNOWN, NOT_KNOWN]));
  assertEquals(idsOfMatched(known, matched), ["cus_a", "cus_b"]);
  const none = matchedIds(pl.Series("stripe_customer_id", [], pl.Utf8), told);
  assertEquals(idsOfMatched(known, none), []);
});

Deno.test("an empty id and repeated ids keep their places, the empty id known or not", () => {
  // known "" and cus_a join as "\ncus_a": split, "" is place 0
  const { ids: known, told } = knownIdsOf(["", "cus_a"]);
  assertEquals(told, { joined: "\ncus_a", count: 2 });
  const asked = ["", "cus_a", "", "cus_b", "cus_a"];
  const matched = matchedIds(pl.Series("stripe_customer_id", asked), told);
  assertEquals(matched.places, new Uint32Array([0, 1, 0, NOT_KNOWN, 1]));
  assertEquals(idsOfMatched(known, matched), asked);
  // an empty id the cache does not know goes as text, as any other
  const none = knownIdsOf(["cus_a"]);
  const unknown = matchedIds(pl.Series("stripe_customer_id", ["", "cus_a", ""]), none.told);
  assertEquals(unknown.places, new Uint32Array([NOT_KNOWN, 0, NOT_KNOWN]));
  assertEquals(idsOfMatched(none.ids, unknown), ["", "cus_a", ""]);
});
