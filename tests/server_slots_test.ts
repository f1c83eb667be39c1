/**
 * lib/server/downloads.ts Slots on its own (the pool capping XLSX renders): a release function
 * called twice gives its slot back once, so the pool never holds more than its size.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Slots } from "../lib/server/downloads.ts";

/** One macrotask turn: every promise already able to settle has run its callbacks before it. */
const settled = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

Deno.test("Slots: a release called twice frees one slot; the next holder still waits its turn", async () => {
  const slots = new Slots(1);
  const events: string[] = [];
  const first = await slots.acquire();
  const second = slots.acquire().then((release) => {
    events.push("second");
    return release;
  });
  first();
  first(); // e.g. a finally after an error path that released already
  const releaseSecond = await second;
  const third = slots.acquire().then((release) => {
    events.push("third");
    return release;
  });
  await settled();
  // one slot: the second holds it, the third waits
  assertEquals(events, ["second"]);
  releaseSecond();
  (await third)();
  assertEquals(events, ["second", "third"]);
});
