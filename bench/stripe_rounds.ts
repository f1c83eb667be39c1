/**
 * The Stripe listing's critical path, counted: `listPartitioned` (lib/revenue/partition.ts) run on
 * a clock of whole rounds, every request answered one round after it is sent (the 50 ms of
 * bench/stripe.ts made a tick), through the reader's real concurrency limit. Prints, per shape of
 * data, the rounds the listing took and its calls: its wall time at a latency L is about
 * rounds × (L + the per-request overhead), whatever the machine's load. The products, coupons
 * and invoices listings take a slot each in the first round, as they do in the fetch.
 *
 *   deno run -A bench/stripe_rounds.ts [--subscriptions 20000] [--concurrency 4]
 */
import { listPartitioned } from "../lib/revenue/partition.ts";
import { type Json, StripeReader } from "../lib/revenue/reader.ts";
import { DEFAULT_RULES } from "../lib/revenue/rules.ts";
import { benchFlags, benchWholeNumber } from "./args.ts";

const values = benchFlags(Deno.args, {
  options: {
    subscriptions: { type: "string", default: "20000" },
    concurrency: { type: "string", default: String(DEFAULT_RULES.concurrency) },
  },
  usage: "Usage: deno run -A bench/stripe_rounds.ts [--subscriptions 20000] [--concurrency 4]",
});
const count = benchWholeNumber("subscriptions", values.subscriptions, 1);
const slots = benchWholeNumber("concurrency", values.concurrency, 1);

const AS_OF = Date.UTC(2026, 10, 1) / 1000;
const YEAR = 365 * 86_400;

/** created times, newest first, of `count` objects whose age is `age(fraction from newest)`. */
const shaped = (age: (f: number) => number) =>
  Array.from({ length: count }, (_, i) => AS_OF - Math.floor(age(i / count)));
const SHAPES: Record<string, number[]> = {
  // bench/stripe.ts and the bench's seed: evenly over three years
  "even over 3 years": shaped((f) => f * 3 * YEAR),
  // a growing account: twice as many new subscriptions a month now as three years ago … from 0
  "growing over 3 years": shaped((f) => (1 - Math.sqrt(1 - f)) * 3 * YEAR),
  // half in the last two months (a launch), the rest over five years before
  "half in 2 months": shaped((f) =>
    f < 0.5 ? f * 2 * 60 * 86_400 : 60 * 86_400 + (f - 0.5) * 2 * 5 * YEAR
  ),
};

/** A clock of rounds: what is sent in round r is answered at the end of it. */
class Rounds {
  now = 0;
  #due: { at: number; answer: () => void }[] = [];
  after<T>(value: T): Promise<T> {
    return new Promise((resolve) =>
      this.#due.push({ at: this.now + 1, answer: () => resolve(value) })
    );
  }
  /** Runs until `done` settles: each round's answers, then whatever they sent (a macrotask). */
  async run(done: Promise<unknown>): Promise<number> {
    let finished = false;
    done.finally(() => finished = true);
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (finished) return this.now;
      if (this.#due.length === 0) throw new Error("the listing waits on nothing");
      this.now = Math.min(...this.#due.map((d) => d.at));
      const answering = this.#due.filter((d) => d.at === this.now);
      this.#due = this.#due.filter((d) => d.at !== this.now);
      for (const d of answering) d.answer();
    }
  }
}

async function listed(created: number[]) {
  const objects = created.map((at, i) => ({ id: `sub_${i}`, created: at }));
  const position = new Map(objects.map((o, i) => [o.id, i]));
  const clock = new Rounds();
  const reader = new StripeReader(null as never, { ...DEFAULT_RULES, concurrency: slots });
  const empty = { object: "list", data: [], has_more: false };
  const others = ["products", "coupons", "invoices"].map((kind) =>
    reader.request(kind, () => clock.after(empty))
  );
  const listing = listPartitioned(reader, {
    kind: "subscriptions",
    // Stripe's answer: the 100 newest in the range after the cursor (objects are newest first)
    fetchPage: (startingAfter, range) => {
      const from = startingAfter === undefined ? 0 : position.get(startingAfter)! + 1;
      const data: Json[] = [];
      let i = from;
      for (; i < objects.length && data.length <= 100; i++) {
        const at = objects[i].created;
        if ((range.lt === null || at < range.lt) && (range.gte === null || at >= range.gte)) {
          data.push(objects[i]);
        }
      }
      return clock.after({ object: "list", data: data.slice(0, 100), has_more: data.length > 100 });
    },
    range: { gte: null, lt: null },
    slots,
  });
  const rounds = await clock.run(Promise.all([listing, ...others]));
  const ids = (await listing).map((o) => o.id);
  const inOrder = ids.length === objects.length && ids.every((id, i) => id === objects[i].id);
  const calls = Object.values(reader.calls).reduce((sum, n) => sum + n, 0);
  return { rounds, calls, splits: reader.splits, inOrder };
}

const pages = Math.ceil(count / 100);
console.log(
  `Stripe listing in rounds: ${count} subscriptions, concurrency ${slots}; ${pages} pages + 3 other lists: at least ${
    1 + Math.ceil((pages - 1) / slots)
  } rounds`,
);
for (const [shape, created] of Object.entries(SHAPES)) {
  const r = await listed(created);
  console.log(
    `  ${shape.padEnd(22)} ${r.rounds} rounds, ${r.calls} calls (${r.splits} splits)${
      r.inOrder ? "" : " MISMATCH: not every object once, in Stripe's order"
    }`,
  );
}
