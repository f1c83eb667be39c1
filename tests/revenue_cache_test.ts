/**
 * The daily Stripe cache file: named by key fingerprint and day, written atomically, read back
 * only when it is the current shape, pruned after a week, and a failed write costs a warning.
 */
import { deepStrictEqual as assertEquals, match, ok, rejects } from "node:assert/strict";
import { basename, join } from "node:path";
import {
  cachePath,
  keyFingerprint,
  pruneCache,
  readCache,
  writeCache,
} from "../lib/revenue/cache.ts";
import { loadRevenue } from "../lib/revenue/mod.ts";
import { customersToCheck, snapshotIndex, type StripeSnapshot } from "../lib/revenue/snapshot.ts";
import { subscriptionLite } from "../lib/revenue/stripe_objects.ts";
import { type FakeStripe, fakeStripeConnection, startFakeStripe } from "./fake_stripe.ts";
import { EMPTY_SNAPSHOT } from "./revenue_fixture.ts";
import {
  AS_OF,
  invoice,
  line,
  PRICES,
  products,
  subscription,
  subscriptions,
} from "./fixtures/stripe/scenarios.ts";

Deno.test("cache file: one per key fingerprint and day, never the key; no temp file left behind; other shapes ignored", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const key = "sk_live_cache_secret_1";
    const path = cachePath(dir, { apiKey: key, asOf: new Date("2026-11-01T23:59:59Z") });
    assertEquals(path, join(dir, `stripe_${keyFingerprint(key)}_2026-11-01.json`));
    match(keyFingerprint(key), /^[0-9a-f]{16}$/);
    ok(keyFingerprint(key) !== keyFingerprint("sk_live_cache_secret_2"));
    assertEquals(await readCache(path), { snapshot: null }); // none yet
    await writeCache(path, EMPTY_SNAPSHOT);
    assertEquals(await readCache(path), { snapshot: EMPTY_SNAPSHOT });
    // kept for the day it was fetched: the next day (a past as-of exported again) asks Stripe
    const tomorrow = new Date(Date.now() + 86_400_000);
    assertEquals(await readCache(path, { now: tomorrow }), { snapshot: null });
    const written = JSON.parse(await Deno.readTextFile(path));
    await Deno.writeTextFile(path, JSON.stringify({ ...written, written_at: undefined }));
    assertEquals(await readCache(path), { snapshot: null }, "an undated file is not today's");
    await writeCache(path, EMPTY_SNAPSHOT);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), [path.split("/").pop()]);
    ok(!(await Deno.readTextFile(path)).includes(key));
    // an older shape (version 1, as the first release wrote): fetch again; garbage: said so too
    await Deno.writeTextFile(
      path,
      JSON.stringify({ version: 1, written_at: new Date().toISOString(), snapshot: {} }),
    );
    assertEquals(await readCache(path), { snapshot: null });
    await Deno.writeTextFile(path, "{not json");
    assertEquals(await readCache(path), { snapshot: null, unusable: "not JSON: cut short?" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cache file: each distinct price written once, items name it; read back as written", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "stripe_0123456789abcdef_2026-11-01.json");
    // the scenarios' subscriptions through the SDK-independent trimmer: prices repeat across items
    const snapshot: StripeSnapshot = {
      ...EMPTY_SNAPSHOT,
      subscriptions: subscriptions.map((s) =>
        subscriptionLite(s, { coupons: new Map(), unresolved: new Set() })
      ),
    };
    const items = snapshot.subscriptions.flatMap((s) => s.items);
    const distinct = new Set(items.map((item) => JSON.stringify(item.price)));
    ok(distinct.size < items.length, "some items share a price");
    await writeCache(path, snapshot);
    assertEquals(await readCache(path), { snapshot });
    const file = JSON.parse(await Deno.readTextFile(path));
    assertEquals(file.version, 25);
    assertEquals(file.snapshot.prices.length, distinct.size);
    ok(
      file.snapshot.subscriptions.every((s: { items: { price: unknown }[] }) =>
        s.items.every((item) => Number.isInteger(item.price))
      ),
    );
    // an older version (4: each item's price in full, paused collection read as active) is not
    // read, even today's: Stripe is asked again
    const today = new Date().toISOString();
    await Deno.writeTextFile(path, JSON.stringify({ version: 4, written_at: today, snapshot }));
    assertEquals(await readCache(path), { snapshot: null });
    // an item naming a price the file does not hold: not a cache, fetch again
    file.snapshot.subscriptions[0].items[0].price = file.snapshot.prices.length;
    await Deno.writeTextFile(path, JSON.stringify(file));
    assertEquals(await readCache(path), {
      snapshot: null,
      unusable: "snapshot.subscriptions[0].items[0].price is not an index into snapshot.prices",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cache file: written in pieces, the bytes of the whole file stringified at once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "stripe_0123456789abcdef_2026-11-01.json");
    const book = { coupons: new Map(), unresolved: new Set<string>() };
    // ~2.5 MB of JSON (the pieces go out a megabyte at a time), a non-ASCII name in it, a field
    // left undefined (left out of the file)
    const many = Array.from(
      { length: 600 },
      (_, copy) =>
        subscriptions.map((s) => subscriptionLite({ ...s, id: `${s.id}_${copy}` }, book)),
    ).flat();
    const snapshot: StripeSnapshot = {
      ...EMPTY_SNAPSHOT,
      subscriptions: many,
      products: [{ id: "prod_café", name: "Café ☕ 𝄞", metadata: {} }],
      invoiceRange: undefined,
    };
    await writeCache(path, snapshot);
    const text = await Deno.readTextFile(path);
    ok(text.length > 2 * (1 << 20), `${text.length} characters`);
    // what the file held when it was stringified whole: prices once, after the snapshot's fields
    const prices: unknown[] = [];
    const indexOf = new Map<string, number>();
    const whole = {
      ...snapshot,
      prices,
      subscriptions: snapshot.subscriptions.map((s) => ({
        ...s,
        items: s.items.map((item) => {
          const key = JSON.stringify(item.price);
          if (!indexOf.has(key)) indexOf.set(key, prices.push(item.price) - 1);
          return { ...item, price: indexOf.get(key) };
        }),
      })),
    };
    const { written_at } = JSON.parse(text);
    const expected = JSON.stringify({ version: 25, written_at, until: null, snapshot: whole });
    ok(text === expected, "the same text as JSON.stringify of the whole file");
    const { invoiceRange: _left, ...stored } = snapshot;
    assertEquals(await readCache(path), { snapshot: stored });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cache file: a write failing after its first megabyte leaves the previous file whole, no temp file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "stripe_0123456789abcdef_2026-11-01.json");
    await writeCache(path, EMPTY_SNAPSHOT);
    const before = await Deno.readTextFile(path);
    const book = { coupons: new Map(), unresolved: new Set<string>() };
    // ~2 MB of subscriptions (two pieces written) before one that cannot be written (a BigInt)
    const many = Array.from({ length: 60 }, () => subscriptions).flat()
      .map((s, i) => subscriptionLite({ ...s, id: `${s.id}_${i}` }, book));
    Object.assign(many[2000], { unwritable: 1n });
    await rejects(() => writeCache(path, { ...EMPTY_SNAPSHOT, subscriptions: many }), /BigInt/);
    ok(await Deno.readTextFile(path) === before, "the previous file as it was");
    assertEquals([...Deno.readDirSync(dir)].map((entry) => entry.name), [basename(path)]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pruneCache removes the kit's cache files older than a week and nothing else", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fp = "0123456789abcdef";
    const names = [
      `stripe_${fp}_2026-10-24.json`, // 8 days before 2026-11-01: removed
      `stripe_${fp}_2026-10-25.json`, // 7 days: kept
      `stripe_${fp}_2026-11-01.json`,
      `stripe_${fp}_2025-01-01.json.bak`, // not a cache file name: kept
      "notes.txt",
    ];
    for (const name of names) await Deno.writeTextFile(join(dir, name), "{}");
    await Deno.mkdir(join(dir, `stripe_${fp}_2020-01-01.json`)); // a folder: kept
    assertEquals(await pruneCache(dir, { asOf: AS_OF }), [`stripe_${fp}_2026-10-24.json`]);
    assertEquals(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      [...names.slice(1), `stripe_${fp}_2020-01-01.json`].sort(),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a cache that cannot be written costs a warning, not the revenue", async () => {
  const fake = startFakeStripe({ subscriptions: [subscriptions[0]], products, invoices: [] });
  const dir = await Deno.makeTempDir();
  const blocker = join(dir, "not-a-folder");
  await Deno.writeTextFile(blocker, "a file where the cache folder should be");
  try {
    const result = await loadRevenue(["cus_seat"], {
      mode: "auto",
      ...fakeStripeConnection(fake),
      cacheDir: join(blocker, ".stripe-cache"),
      asOf: AS_OF,
    });
    assertEquals([result.source, result.failed], ["stripe", false]);
    assertEquals(result.byCustomer.get("cus_seat")!.mrr, 100);
    ok(result.warnings.some((w) => w.startsWith("could not write the Stripe cache")));
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("customersToCheck: the requested ids a cache has not settled, each once, in the order given", () => {
  const [subscription] = subscriptions.map((s) =>
    subscriptionLite(s, { coupons: new Map(), unresolved: new Set() })
  );
  const cached: StripeSnapshot = {
    ...EMPTY_SNAPSHOT,
    subscriptions: [{ ...subscription, customer: "cus_sub" }],
    customers: { listed: false, existing: ["cus_a"], missing: ["cus_m"], unverified: ["cus_u"] },
  };
  // settled: with a subscription, known to exist or known missing; one left unverified (the call
  // bound was spent) is checked again
  const ids = ["cus_new2", "cus_sub", "cus_new1", "cus_a", "cus_new2", "cus_m", "cus_u"];
  assertEquals(customersToCheck(cached, ids), ["cus_new2", "cus_new1", "cus_u"]);
  // a cache that listed every customer settles them all
  const listed = { ...cached, customers: { ...cached.customers, listed: true } };
  assertEquals(customersToCheck(listed, ids), []);
  // the snapshot's lookups are made once (the revenue worker makes them ahead) and again when its
  // customers are replaced, as loadRevenue does once it has checked the new ones
  snapshotIndex(cached);
  cached.customers = {
    ...cached.customers,
    existing: ["cus_a", "cus_new1", "cus_u"],
    missing: ["cus_m", "cus_new2"],
    unverified: [],
  };
  assertEquals(customersToCheck(cached, ids), []);
  cached.subscriptions = [];
  assertEquals(customersToCheck(cached, ids), ["cus_sub"]);
});

Deno.test("pruneCache removes a cache write's temp file left by an ended export, not a fresh one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const dead = ".stripe_0123456789abcdef_2026-11-01.json.mk1abc.tmp";
    const fresh = ".stripe_0123456789abcdef_2026-11-01.json.mk2def.tmp";
    const other = "notes.tmp";
    for (const name of [dead, fresh, other]) await Deno.writeTextFile(`${dir}/${name}`, "{");
    const hourAgo = new Date(Date.now() - 3_600_000);
    await Deno.utime(`${dir}/${dead}`, hourAgo, hourAgo);
    await Deno.utime(`${dir}/${other}`, hourAgo, hourAgo);
    assertEquals(await pruneCache(dir, { asOf: new Date("2026-11-01T00:00:00Z") }), [dead]);
    const left = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
    assertEquals(left, [fresh, other].sort());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pruneCache removes a killed backfill's invoice-cache temp file and invoice caches older than a week", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const stem = "stripe_invoices_0123456789abcdef_2025-10-01_2026-11-01";
    const deadTemp = `.${stem}_2026-11-01.json.mk1abc.tmp`;
    const freshTemp = `.${stem}_2026-11-01.json.mk2def.tmp`;
    const old = `${stem}_2026-10-20.json`; // fetched 12 days before: never read again
    const recent = `${stem}_2026-10-30.json`;
    for (const name of [deadTemp, freshTemp, old, recent]) {
      await Deno.writeTextFile(`${dir}/${name}`, "{");
    }
    const hourAgo = new Date(Date.now() - 3_600_000);
    await Deno.utime(`${dir}/${deadTemp}`, hourAgo, hourAgo);
    assertEquals(
      await pruneCache(dir, { asOf: new Date("2026-11-01T00:00:00Z") }),
      [deadTemp, old].sort(),
    );
    const left = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
    assertEquals(left, [freshTemp, recent].sort());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pruneCache invoicesOnly (a backfill's) leaves the live cache's files alone", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const live = "stripe_0123456789abcdef_2026-10-01.json"; // an export of a past as-of
    const invoices = "stripe_invoices_0123456789abcdef_2025-10-01_2026-11-01_2026-10-01.json";
    for (const name of [live, invoices]) await Deno.writeTextFile(`${dir}/${name}`, "{");
    const asOf = new Date("2026-11-01T00:00:00Z");
    assertEquals(await pruneCache(dir, { asOf, invoicesOnly: true }), [invoices]);
    assertEquals((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name), [live]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** loadRevenue's options for the fake account, the cache in `cacheDir`. */
function fakeOptions(fake: FakeStripe, cacheDir: string, asOf: Date) {
  return {
    mode: "auto" as const,
    ...fakeStripeConnection(fake),
    cacheDir,
    asOf,
  };
}

/** `hours` after AS_OF (2026-11-01T00:00:00Z), the hour of the day the cache tests export at. */
const atHour = (hours: number) => new Date(AS_OF.getTime() + hours * 3_600_000);

/**
 * cus_metered: $20 of seats and metered request volume. Its cycle closed five days before AS_OF
 * ($37.50 of request volume); the next cycle's invoice is created at 08:30 that day ($10).
 */
function meteredDayData() {
  const T = AS_OF.getTime() / 1000;
  return {
    subscriptions: [
      subscription("cus_metered", [[PRICES.proUsers, 1], [PRICES.requestVolume, null]], {
        id: "sub_metered",
      }),
    ],
    products,
    invoices: [
      invoice("in_oct", "cus_metered", "sub_metered", T - 5 * 86_400, [
        line("il_oct", "price_request_volume", 3750, "sub_metered"),
      ]),
      invoice("in_nov", "cus_metered", "sub_metered", T + 8.5 * 3600, [
        line("il_nov", "price_request_volume", 1000, "sub_metered"),
      ]),
    ],
  };
}

Deno.test("a cache answers later as-ofs of its day (usage as of its own as-of), never an earlier as-of or another day's; an earlier as-of's fetch keeps it", async () => {
  const fake = startFakeStripe(meteredDayData());
  const cacheDir = await Deno.makeTempDir();
  const load = async (asOf: Date) => {
    const result = await loadRevenue(["cus_metered"], fakeOptions(fake, cacheDir, asOf));
    return [result.source, result.apiCalls > 0, result.byCustomer.get("cus_metered")!.mrr];
  };
  try {
    // as of 09:00: the $20 seat + the 08:30 invoice's $10
    assertEquals(await load(atHour(9)), ["stripe", true, 30]);
    // as of 08:00: the 09:00 cache holds the 08:30 invoice, later than asked: fetched again,
    // $20 + October's $37.50; the 09:00 cache is kept (not written over with the earlier as-of),
    // so 08:00 asks Stripe each time and 10:00 reads the 09:00 cache
    assertEquals(await load(atHour(8)), ["stripe", true, 57.5]);
    assertEquals(await load(atHour(8)), ["stripe", true, 57.5]);
    assertEquals(await load(atHour(10)), ["cache", false, 30]);
    // with no cache of a later as-of, an 08:00 fetch is written; then 08:00:01 and 10:00 (a
    // default export's as-of: now, to the second) read it with no call, its usage as of 08:00
    // (the 08:30 invoice is not in it)
    await Deno.remove(cachePath(cacheDir, { apiKey: fake.apiKey, asOf: atHour(8) }));
    assertEquals(await load(atHour(8)), ["stripe", true, 57.5]);
    assertEquals(await load(atHour(8)), ["cache", false, 57.5]);
    assertEquals(await load(new Date(atHour(8).getTime() + 1000)), ["cache", false, 57.5]);
    assertEquals(await load(atHour(10)), ["cache", false, 57.5]);
    // more than an hour behind, the export says so (a second behind it does not)
    const warned = (asOf: Date) =>
      loadRevenue(["cus_metered"], fakeOptions(fake, cacheDir, asOf)).then((r) =>
        r.warnings.filter((w) => w.startsWith("Stripe revenue from today's cache"))
      );
    assertEquals(await warned(new Date(atHour(8).getTime() + 1000)), []);
    assertEquals(await warned(atHour(10)), [
      `Stripe revenue from today's cache made for as-of ${
        atHour(8).toISOString()
      }, 2.0 h before this export's: usage_charges and ptb_revenue_30d leave out invoices and PTB payments created since, and MRR is the subscriptions as fetched then (--refresh-stripe fetches them)`,
    ]);
    // the same file under the next day's name: its as-of is not that day's, fetched ($20 + $10)
    const apiKey = fake.apiKey;
    await Deno.copyFile(
      cachePath(cacheDir, { apiKey, asOf: atHour(8) }),
      cachePath(cacheDir, { apiKey, asOf: atHour(25) }),
    );
    assertEquals(await load(atHour(25)), ["stripe", true, 30]);
  } finally {
    await fake.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("two exports of one day fetching at once (09:00, 08:00): the 09:00 cache is the one left, every time", async () => {
  // as of 09:00 $20 + the 08:30 invoice's $10, as of 08:00 $20 + October's $37.50
  const fake = startFakeStripe(meteredDayData());
  const cacheDir = await Deno.makeTempDir();
  const load = async (asOf: Date) => {
    const result = await loadRevenue(["cus_metered"], fakeOptions(fake, cacheDir, asOf));
    // (what the cache says: behind the as-of, not written; not the PTB product's setting)
    const cacheLines = result.warnings.filter((line) => !line.startsWith("PTB revenue unknown"));
    return [result.source, result.byCustomer.get("cus_metered")!.mrr, cacheLines];
  };
  try {
    for (let round = 0; round < 5; round++) {
      await Deno.remove(cachePath(cacheDir, { apiKey: fake.apiKey, asOf: AS_OF })).catch(() => {});
      // both fetch from the fake Stripe over HTTP at once, and both find no cache to keep
      assertEquals(await Promise.all([load(atHour(9)), load(atHour(8))]), [
        ["stripe", 30, []],
        ["stripe", 57.5, []],
      ]);
      // 10:00 reads the 09:00 cache (with the 08:30 invoice), not the 08:00 one (warned 2 h behind)
      assertEquals(await load(atHour(10)), ["cache", 30, []], `round ${round}`);
    }
    assertEquals(
      [...Deno.readDirSync(cacheDir)].map((e) => e.name),
      [cachePath(cacheDir, { apiKey: fake.apiKey, asOf: AS_OF }).split("/").pop()],
      "no lock or temp file left",
    );
  } finally {
    await fake.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("an ill-shaped or unreadable cache is no cache: fetched again, one warning naming the file, never NaN", async () => {
  const fake = startFakeStripe({ subscriptions: [subscriptions[0]], products, invoices: [] });
  const cacheDir = await Deno.makeTempDir();
  const options = fakeOptions(fake, cacheDir, AS_OF);
  const path = cachePath(cacheDir, { apiKey: fake.apiKey, asOf: AS_OF });
  try {
    assertEquals((await loadRevenue(["cus_seat"], options)).source, "stripe");
    const good = await Deno.readTextFile(path);
    // deno-lint-ignore no-explicit-any
    const broken: [string, (file: any) => unknown][] = [
      [
        "snapshot.subscriptions[0].discounts is missing",
        (file) => delete file.snapshot.subscriptions[0].discounts,
      ],
      [
        "snapshot.prices[0].unit_amount_decimal is not a decimal amount",
        (file) => file.snapshot.prices[0].unit_amount_decimal = "abc",
      ],
      [
        "snapshot.subscriptions[0].items is not a list",
        (file) => file.snapshot.subscriptions[0].items = null,
      ],
      [
        "snapshot.subscriptions[0].items[0].price is not an index into snapshot.prices",
        (file) => file.snapshot.subscriptions[0].items[0].price = 1, // one price in the file
      ],
      ["snapshot.products[0].name is not text", (file) => file.snapshot.products[0].name = 5],
      [
        "snapshot.customers.existing[0] is not text",
        (file) => file.snapshot.customers.existing = [null],
      ],
      ["snapshot.ptb.productId is missing", (file) => file.snapshot.ptb = {}],
      [
        "snapshot.usageLines is not a list",
        (file) => file.snapshot.usageLines = { amount: 1 },
      ],
    ];
    const warning = (problem: string) =>
      `the Stripe cache ${path} could not be used (${problem}): Stripe was asked again`;
    for (const [problem, breakIt] of broken) {
      const file = JSON.parse(good);
      breakIt(file);
      await Deno.writeTextFile(path, JSON.stringify(file));
      const result = await loadRevenue(["cus_seat"], options);
      assertEquals([result.source, result.failed, result.apiCalls > 0], ["stripe", false, true]);
      assertEquals(result.byCustomer.get("cus_seat")!.mrr, 100, problem); // $20 × 5 seats
      assertEquals(result.warnings.filter((w) => w.includes(path)), [warning(problem)]);
      // the fetch rewrote it: the next export is answered by it
      assertEquals((await loadRevenue(["cus_seat"], options)).source, "cache");
      await Deno.writeTextFile(path, JSON.stringify(file));
      assertEquals(await readCache(path), { snapshot: null, unusable: problem });
    }
    // cut short (an export ended mid-write leaves the temp file, but a full disk or a hand edit)
    await Deno.writeTextFile(path, good.slice(0, 100));
    const cut = await loadRevenue(["cus_seat"], options);
    assertEquals([cut.source, cut.byCustomer.get("cus_seat")!.mrr], ["stripe", 100]);
    assertEquals(cut.warnings.filter((w) => w.includes(path)), [warning("not JSON: cut short?")]);
    // an older version is no cache, silently (a new kit's first run of the day asks Stripe)
    const v4 = JSON.parse(good);
    v4.version = 4;
    await Deno.writeTextFile(path, JSON.stringify(v4));
    assertEquals(await readCache(path), { snapshot: null });
  } finally {
    await fake.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});
