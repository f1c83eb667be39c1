/**
 * The customer ids' way to the revenue worker and back (lib/revenue/worker_ids.ts, worker.ts's
 * sentIds): cut from one string by their lengths, or sent as they are when a length in
 * characters is not the JS one; the answer's customers found by position.
 */
import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import pl from "nodejs-polars";
import { sentIds } from "../lib/revenue/worker.ts";
import { idsOfSent, positionsIn } from "../lib/revenue/worker_ids.ts";

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
