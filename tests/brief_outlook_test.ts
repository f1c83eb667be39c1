/**
 * lib/report/brief_outlook.ts and lib/history/earlier_usage.ts: the brief's upgrade and churn
 * section (its rule, counts and tables, organization names escaped), the earlier snapshot it is
 * read against, and an export's brief with and without one. The fixture's figures are worked out
 * by hand in tests/outlook_fixture.ts.
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { earlierLine, outlookSection } from "../lib/report/brief_outlook.ts";
import {
  earlierUsage,
  outlookFromHistory,
  readEarlierUsage,
} from "../lib/history/earlier_usage.ts";
import { loadPriceBook } from "../lib/economics/mod.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { demoExportAt, snapshotAt } from "./history_snapshot_fixture.ts";
import { earlier, outlookFrame, storeEarlier } from "./outlook_fixture.ts";
import { goldenDemoData } from "./fixtures/golden_demo.ts";
import { briefMarkdown } from "../lib/report/brief.ts";
import { listSnapshots, UnreadableSnapshot } from "../lib/history/stored_snapshots.ts";
import { scanSnapshotFrame } from "../lib/history/snapshot_scan.ts";

const AS_OF = new Date("2026-11-01T00:00:00Z");
const HOSTILE = "D *bold* <i>|pipe [x](http://e.vil)";
const HOSTILE_PLAN = "team _new_ <b>|x";

Deno.test("the brief's section: the rule, the earlier snapshot, counts, and tables with names escaped", async () => {
  const isD = pl.col("org_id").eq(pl.lit("d"));
  const frame = outlookFrame().withColumns(
    pl.when(isD).then(pl.lit(HOSTILE)).otherwise(pl.col("org_name")).alias("org_name"),
    // a plan's name is data too (the price book's, or the tier's)
    pl.when(isD).then(pl.lit(HOSTILE_PLAN)).otherwise(pl.col("plan")).alias("plan"),
  );
  const lines = outlookSection(frame, {
    asOf: AS_OF,
    earlier: earlier(),
    book: await loadPriceBook(),
    windowDays: 30,
  });
  assertEquals(lines[0], "## Paying organizations: expansion candidates and signs of leaving");
  ok(lines[2].includes("**Signs of leaving**, any of: a Stripe subscription past due or unpaid"));
  ok(lines[2].includes("requests down by 50 % or more (from at least 1,000) or fewer `seats`"));
  ok(lines[2].includes("at least 1,000 and 25 % or more above the earlier snapshot's"));
  ok(lines[2].includes("at or above 80 % of it."));
  assertEquals(
    lines[4],
    "Earlier figures: the history snapshot of 2026-10-01 (31 days before the as-of: its `requests_30d` and `seats` per `org_id`); 1 paying organization is not in it (new since, or paying under another id): its trend is not known.",
  );
  // churn d, e, f, g, h: $799 + $40 + $20 + $200 + $20; upgrade a: $79
  assertEquals(
    lines[6],
    "Signs of leaving: 5 of 11 paying organizations ($1,079.00 MRR). Expansion candidates: 1 of 11 paying organizations ($79.00 MRR).",
  );
  const text = lines.join("\n");
  // d's name as data: every Markdown character escaped, the address not a link
  ok(
    text.includes(
      "| D \\*bold\\* &lt;i>\\|pipe \\[x\\](http&#58;//e.vil) | team \\_new\\_ &lt;b>\\|x | $799.00 | 40,000 | 100,000 | -60.0 % | 10 | 10 | requests down by half or more |",
    ),
    text,
  );
  ok(!text.includes(HOSTILE) && !text.includes(HOSTILE_PLAN));
  ok(text.includes("| A | pro 2025-12-10 | $79.00 | 20,000 | 10,000 | 100.0 % | 3 | 3 |"), text);
  // the lists' headings (the admin page shows the same, server_outlook_test): export columns as code
  const heading =
    "| `org_name` | `plan` | `mrr` | requests (30-day basis) | earlier | change | `seats` | earlier |";
  assertEquals(text.split("\n").filter((line) => line.startsWith("| `org_name`")), [
    `${heading} signals |`,
    heading,
  ]);
});

Deno.test("without an earlier snapshot the section says the trends are not known", async () => {
  const lines = outlookSection(outlookFrame(), {
    asOf: AS_OF,
    book: await loadPriceBook(),
    windowDays: 30,
  });
  assertEquals(
    lines[4],
    "No readable history snapshot from 30 to 62 days before the as-of is stored (the history folder, `PRICING_HISTORY_DIR`), so usage and seat trends are not known: no expansion candidate can be named, and signs of leaving are the Stripe and database ones alone.",
  );
  // churn f, g, h by their signals: $20 + $200 + $20
  assertEquals(
    lines[6],
    "Signs of leaving: 3 of 11 paying organizations ($240.00 MRR). Expansion candidates: not known (–).",
  );
  ok(!lines.some((line) => line.startsWith("Expansion candidates, most requests")));
  // no earlier figures: those cells read as not known
  ok(
    lines.join("\n").includes(
      "| G | team (bundle, legacy) | $200.00 | 1,000 | – | – | 5 | – | set to cancel |",
    ),
    lines.join("\n"),
  );
});

Deno.test("the earlier snapshot is the newest 30 to 62 days before the as-of, read for usage and seats", async () => {
  const dir = await Deno.makeTempDir({ prefix: "earlier_usage_" });
  try {
    const frame = (requests: number) =>
      exportFrameFromColumns({ org_id: ["o1"], requests_30d: [requests], seats: [2], mrr: [20] });
    await snapshotAt(dir, "2026-08-01", frame(1)); // 92 days before: too old
    await snapshotAt(dir, "2026-10-10", frame(3)); // 22 days before: inside this window
    await snapshotAt(dir, "2026-08-30", frame(2)); // 63 days before: a day too old
    assertEquals(await earlierUsage(dir, { asOf: AS_OF, demo: false }), null);
    await snapshotAt(dir, "2026-08-31", frame(6)); // 62 days before: the oldest in range
    const oldest = await earlierUsage(dir, { asOf: AS_OF, demo: false });
    assertEquals(oldest?.asOf, new Date("2026-08-31T00:00:00Z"));
    assertEquals(oldest?.frame.getColumn("requests_30d").toArray(), [6]);
    await snapshotAt(dir, "2026-09-20", frame(4)); // 42 days before
    await snapshotAt(dir, "2026-10-02", frame(5)); // 30 days before: the newest in range
    const found = await earlierUsage(dir, { asOf: AS_OF, demo: false });
    assertEquals(found?.asOf, new Date("2026-10-02T00:00:00Z"));
    assertEquals(found?.frame.columns, ["org_id", "seats", "requests_30d"]); // (the table's order)
    assertEquals(found?.frame.getColumn("requests_30d").toArray(), [5]);
    // a demo export reads demo snapshots only
    assertEquals(await earlierUsage(dir, { asOf: AS_OF, demo: true }), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an unreadable snapshot in the range is left out, said, and the next newest read", async () => {
  const dir = await Deno.makeTempDir({ prefix: "earlier_usage_unreadable_" });
  try {
    const frame = (requests: number) =>
      exportFrameFromColumns({ org_id: ["o1"], requests_30d: [requests], seats: [2], mrr: [20] });
    // 62 days before (the range's oldest edge), 42 days before, and 30 days before cut short
    await snapshotAt(dir, "2026-08-31", frame(6));
    const middle = await snapshotAt(dir, "2026-09-20", frame(4));
    const cut = await snapshotAt(dir, "2026-10-02", frame(5));
    await Deno.truncate(cut.path, Math.floor(cut.bytes / 2));
    const leftOut: string[] = [];
    const found = await earlierUsage(dir, {
      asOf: AS_OF,
      demo: false,
      leftOut: (error) => leftOut.push(error.message),
    });
    assertEquals(found?.asOf, new Date("2026-09-20T00:00:00Z"));
    assertEquals(found?.frame.getColumn("requests_30d").toArray(), [4]);
    assertEquals(leftOut.length, 1);
    ok(leftOut[0].startsWith(`${cut.path} is not a readable Parquet snapshot (`), leftOut[0]);
    // both newer ones cut short: the one exactly 62 days before is read
    await Deno.truncate(middle.path, 100);
    const edge = await earlierUsage(dir, { asOf: AS_OF, demo: false });
    assertEquals(edge?.asOf, new Date("2026-08-31T00:00:00Z"));
    assertEquals(edge?.frame.getColumn("requests_30d").toArray(), [6]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a snapshot holding an organization on several rows is left out, said, and the next newest read: its rows are not counted again", async () => {
  const dir = await Deno.makeTempDir({ prefix: "earlier_usage_repeated_" });
  try {
    // the fixture's snapshot 31 days before; 30 days before, one another tool wrote with d thrice
    await storeEarlier(dir, { demo: false });
    const repeated = join(dir, "helicone_pricing_data_2026-10-02.parquet");
    pl.DataFrame({
      org_id: ["a", "d", "d", "d"],
      requests_30d: [10_000, 1, 1, 1],
      seats: [3, 9, 9, 9],
    })
      .writeParquet(repeated);
    const { outlook, warning } = await outlookFromHistory(outlookFrame(), {
      dir,
      asOf: AS_OF,
      demo: false,
      windowDays: 30,
    });
    assertEquals(
      warning,
      `signs of leaving and expansion candidates: history snapshot left out: ${repeated} holds organization "d" on 3 rows, and a snapshot has one row per organization; move it out of the history folder or write it again`,
    );
    // the fixture's outcome against 2026-10-01 (tests/outlook_fixture.ts): d once, not three
    // times; without a price book b (+200 %) is a candidate beside a, its included amount unknown
    assertEquals(outlook.earlierAsOf, new Date("2026-10-01T00:00:00Z"));
    assertEquals(
      [outlook.facts.paying, outlook.facts.churn, outlook.facts.churnMrrUsd, outlook.facts.upgrade],
      [11, 5, 1079, 2],
    );
    assertEquals(outlook.churn.getColumn("org_id").toArray(), ["d", "g", "e", "f", "h"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a snapshot whose org_id is no text or number (a list) is left out, said, and the next newest read: the export and the answers go on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "earlier_usage_list_ids_" });
  try {
    await storeEarlier(dir, { demo: false });
    const lists = join(dir, "helicone_pricing_data_2026-10-02.parquet");
    pl.DataFrame({ org_id: [["d"], ["a"]], requests_30d: [1, 2], seats: [1, 1] })
      .writeParquet(lists);
    const { outlook, warning } = await outlookFromHistory(outlookFrame(), {
      dir,
      asOf: AS_OF,
      demo: false,
      windowDays: 30,
    });
    assertEquals(
      warning,
      `signs of leaving and expansion candidates: history snapshot left out: ${lists} column org_id holds values (List), not text; the kit writes each organization's id there as text; move it out of the history folder or write it again`,
    );
    // the fixture's outcome against 2026-10-01 (tests/outlook_fixture.ts; no price book: a and b)
    assertEquals(outlook.earlierAsOf, new Date("2026-10-01T00:00:00Z"));
    assertEquals(
      [outlook.facts.paying, outlook.facts.churn, outlook.facts.churnMrrUsd, outlook.facts.upgrade],
      [11, 5, 1079, 2],
    );
    // the brief's run reads it as readEarlierUsage does: the same warning, the same snapshot
    const { earlier: read, warnings } = await readEarlierUsage(dir, { asOf: AS_OF, demo: false });
    assertEquals([read?.asOf, warnings], [new Date("2026-10-01T00:00:00Z"), [warning]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a snapshot without requests_30d or seats is left out, said, and the next newest read: its organizations are not called new", async () => {
  const dir = await Deno.makeTempDir({ prefix: "earlier_usage_no_usage_" });
  try {
    await storeEarlier(dir, { demo: false });
    const idsOnly = join(dir, "helicone_pricing_data_2026-10-02.parquet");
    pl.DataFrame({ org_id: ["a", "b", "c", "d"], seats: [3, 2, 3, 10] }).writeParquet(idsOnly);
    const { outlook, warning } = await outlookFromHistory(outlookFrame(), {
      dir,
      asOf: AS_OF,
      demo: false,
      windowDays: 30,
    });
    assertEquals(
      warning,
      `signs of leaving and expansion candidates: history snapshot left out: ${idsOnly} has no requests_30d column, which the trends read; move it out of the history folder or write it again`,
    );
    // the fixture's snapshot read: j alone is not in it (tests/outlook_fixture.ts)
    assertEquals(outlook.earlierAsOf, new Date("2026-10-01T00:00:00Z"));
    assertEquals([outlook.facts.paying, outlook.facts.trendUnknown], [11, 1]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a FIFO in the history folder named as a snapshot, or as its sidecar, is left out or read as missing, not waited on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "earlier_usage_fifo_" });
  const mkfifo = async (path: string) => {
    const made = await new Deno.Command("mkfifo", { args: [path] }).output();
    ok(made.success, new TextDecoder().decode(made.stderr));
  };
  try {
    // the fixture's snapshot 31 days before, its sidecar a FIFO; 30 days before, a FIFO
    await storeEarlier(dir, { demo: false });
    const stored = join(dir, "helicone_pricing_data_2026-10-01.parquet");
    await Deno.remove(`${stored}.json`);
    await mkfifo(`${stored}.json`);
    const fifo = join(dir, "helicone_pricing_data_2026-10-02.parquet");
    await mkfifo(fifo);
    const { outlook, warning } = await outlookFromHistory(outlookFrame(), {
      dir,
      asOf: AS_OF,
      demo: false,
      windowDays: 30,
    });
    assertEquals(
      warning,
      `signs of leaving and expansion candidates: history snapshot left out: ${fifo} is not a regular file (a FIFO, device or socket); move it out of the history folder or write it again`,
    );
    assertEquals(outlook.earlierAsOf, new Date("2026-10-01T00:00:00Z"));
    assertEquals([outlook.facts.paying, outlook.facts.churn], [11, 5]);
    // the sidecar read as missing, said as a damaged one; the history's lazy scan refuses the FIFO
    const listed = await listSnapshots(dir, false);
    ok(
      listed[0].sidecarWarning?.includes(
        "unreadable: is not a regular file (a FIFO, device or socket)",
      ),
      listed[0].sidecarWarning,
    );
    throws(() => scanSnapshotFrame(fifo, ["org_id"]), UnreadableSnapshot);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * A snapshot whose file names one column twice, 3,000 characters long (another tool's: the kit's
 * writer refuses it, so a file of two names of one length has the second's bytes overwritten).
 */
function storeRepeatedLongColumn(path: string): void {
  const [kept, overwritten] = ["Q", "Z"].map((c) => c.repeat(3000));
  pl.DataFrame({ org_id: ["a"], [kept]: [1], [overwritten]: [2] })
    .writeParquet(path, { compression: "uncompressed" });
  const bytes = Deno.readFileSync(path);
  const [from, to] = [overwritten, kept].map((name) => new TextEncoder().encode(name));
  for (let at = bytes.indexOf(from[0]); at !== -1; at = bytes.indexOf(from[0], at + 1)) {
    if (from.every((byte, i) => bytes[at + i] === byte)) bytes.set(to, at);
  }
  Deno.writeFileSync(path, bytes);
}

Deno.test("an unreadable snapshot's warning quotes Polars' message cut short, naming the file and the fix", async () => {
  const dir = await Deno.makeTempDir({ prefix: "earlier_usage_long_" });
  try {
    await storeEarlier(dir, { demo: false });
    const damaged = join(dir, "helicone_pricing_data_2026-10-02.parquet");
    storeRepeatedLongColumn(damaged);
    const { outlook, warning } = await outlookFromHistory(outlookFrame(), {
      dir,
      asOf: AS_OF,
      demo: false,
      windowDays: 30,
    });
    // Polars says "duplicate: column with name '<3,000 Qs>' has more than one occurrence" (29 +
    // 3,000 + 30 characters): its first 200 (QUOTED_REASON_CHARS) are 29 + 171 Qs
    const quoted = `duplicate: column with name '${"Q".repeat(171)}… (3,059 characters)`;
    assertEquals(
      warning,
      `signs of leaving and expansion candidates: history snapshot left out: ${damaged} is not a readable Parquet snapshot (${quoted}); move it out of the history folder or write it again`,
    );
    assertEquals(outlook.earlierAsOf, new Date("2026-10-01T00:00:00Z"));
    // the history section's lazy scan says it the same
    throws(
      () => scanSnapshotFrame(damaged, ["org_id"]),
      (error: Error) => error instanceof UnreadableSnapshot && error.message.includes(quoted),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the section's lists are not named as the brief's questions and segments name theirs", async () => {
  // the brief's questions and segment files say "upgrade candidates" for free organizations with
  // high usage and "churn risk" for a negative gross margin (the spec's); the section's lists are
  // paying organizations growing and ones showing signs of leaving: each phrase keeps one meaning
  const brief = briefMarkdown({
    data: await goldenDemoData(),
    exportFiles: [{ name: "x.csv", bytes: 1 }],
  });
  const saying = (phrase: RegExp) => brief.split("\n").filter((line) => phrase.test(line));
  const upgrade = saying(/upgrade candidate/i);
  ok(upgrade.length > 0 && upgrade.every((line) => /free/i.test(line)), upgrade.join("\n"));
  const churn = saying(/churn risk/i);
  ok(churn.length > 0 && churn.every((line) => /negative/i.test(line)), churn.join("\n"));
  ok(brief.includes("\n## Paying organizations: expansion candidates and signs of leaving\n"));
});

Deno.test("an export's brief reads the history snapshot a month before: without one it says so", async () => {
  const dir = await Deno.makeTempDir({ prefix: "brief_outlook_" });
  try {
    const historyDir = join(dir, "history");
    const first = await demoExportAt("2026-10-01T00:00:00Z", {
      outDir: join(dir, "a"),
      historyDir,
    });
    const firstBrief = await Deno.readTextFile(first.briefPath!);
    ok(
      firstBrief.includes("\n## Paying organizations: expansion candidates and signs of leaving\n"),
    );
    ok(
      firstBrief.includes(
        "\nNo readable history snapshot from 30 to 62 days before the as-of is stored",
      ),
    );
    const second = await demoExportAt("2026-11-01T00:00:00Z", {
      outDir: join(dir, "b"),
      historyDir,
    });
    const brief = await Deno.readTextFile(second.briefPath!);
    ok(
      brief.includes(
        "\nEarlier figures: the history snapshot of 2026-10-01 (31 days before the as-of: its `requests_30d` and `seats` per `org_id`)",
      ),
      brief.slice(brief.indexOf("## Paying"), brief.indexOf("## Paying") + 2000),
    );
    ok(brief.indexOf("## Paying organizations") < brief.indexOf("## Columns"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a snapshot a month before that cannot be read: no trend, a warning naming it, the run goes on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "earlier_unreadable_" });
  try {
    const name = "helicone_pricing_data_2026-10-01.parquet";
    await Deno.writeTextFile(join(dir, name), "not a parquet file");
    const { earlier, warnings } = await readEarlierUsage(dir, { asOf: AS_OF, demo: false });
    assertEquals([earlier, warnings.length], [null, 1]);
    const [warning] = warnings;
    ok(
      warning.startsWith("signs of leaving and expansion candidates: history snapshot left out: "),
      warning,
    );
    ok(warning.includes(name), warning);
    // the outlook against it: the trends not known, churn by the signals alone (f, g, h)
    const { outlook, warning: said } = await outlookFromHistory(outlookFrame(), {
      dir,
      asOf: AS_OF,
      demo: false,
      windowDays: 30,
      book: await loadPriceBook(),
    });
    assertEquals([outlook.earlierAsOf, outlook.facts.churn, said], [null, 3, warning]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The section's table rows under the line starting with `heading` (none: no such line). */
function tableRows(lines: string[], heading: string): string[] | null {
  const at = lines.findIndex((line) => line.startsWith(heading));
  if (at < 0) return null;
  return lines[at + 2].split("\n").slice(2);
}

Deno.test("the section's counts in words: every paying organization in the earlier snapshot, two not in it, one paying organization, no churn table when none", async () => {
  const book = await loadPriceBook();
  const section = (frame: pl.DataFrame, earlierFrame = earlier().frame) =>
    outlookSection(frame, {
      asOf: AS_OF,
      earlier: { ...earlier(), frame: earlierFrame },
      book,
      windowDays: 30,
    });
  // j (not in the earlier snapshot) left out: nothing unknown, nothing said of it
  assertEquals(
    section(outlookFrame().filter(pl.col("org_id").neq(pl.lit("j"))))[4],
    "Earlier figures: the history snapshot of 2026-10-01 (31 days before the as-of: its `requests_30d` and `seats` per `org_id`).",
  );
  // a left out of the earlier snapshot too: a and j
  assertEquals(
    section(outlookFrame(), earlier().frame.filter(pl.col("org_id").neq(pl.lit("a"))))[4],
    "Earlier figures: the history snapshot of 2026-10-01 (31 days before the as-of: its `requests_30d` and `seats` per `org_id`); 2 paying organizations are not in it (new since, or paying under another id): their trend is not known.",
  );
  // a alone: one paying organization, an upgrade candidate, no churn risk and no churn table
  const one = section(outlookFrame().filter(pl.col("org_id").eq(pl.lit("a"))));
  assertEquals(
    one[6],
    "Signs of leaving: 0 of 1 paying organization ($0.00 MRR). Expansion candidates: 1 of 1 paying organization ($79.00 MRR).",
  );
  assertEquals(tableRows(one, "Signs of leaving, most MRR first"), null);
  assertEquals(tableRows(one, "Expansion candidates, most requests added first:")?.length, 1);
});

Deno.test("the section's tables: all of the 5 churn risks by default, the first N of them said where fewer are shown", async () => {
  const book = await loadPriceBook();
  const section = (top?: number) =>
    outlookSection(outlookFrame(), { asOf: AS_OF, earlier: earlier(), book, windowDays: 30, top });
  for (const top of [undefined, 5]) {
    assertEquals(
      tableRows(section(top), "Signs of leaving, most MRR first:")?.length,
      5,
      String(top),
    );
  }
  // d $799, g $200, e $40, f $20 (f before h by org_id)
  const first = tableRows(section(4), "Signs of leaving, most MRR first (the first 4):");
  assertEquals(first?.map((row) => row.split(" | ")[0]), ["| D", "| G", "| E", "| F"]);
});

Deno.test("the section reads another window's requests on a 30-day basis", async () => {
  // a 7-day export: a's 4,000 requests are 4,000 × 30 / 7 = 17,142.86 a month, +71.4 % on 10,000
  const frame = outlookFrame().filter(pl.col("org_id").eq(pl.lit("a")))
    .withColumns(pl.lit(4_000).cast(pl.Int64).alias("requests_30d"));
  const lines = outlookSection(frame, {
    asOf: AS_OF,
    earlier: earlier(),
    book: await loadPriceBook(),
    windowDays: 7,
  });
  assertEquals(tableRows(lines, "Expansion candidates, most requests added first:"), [
    "| A | pro 2025-12-10 | $79.00 | 17,143 | 10,000 | 71.4 % | 3 | 3 |",
  ]);
});

Deno.test("a backfilled snapshot a month before: its seats are not compared (they count today's members who had joined by then), and the section says so", async () => {
  const dir = await Deno.makeTempDir({ prefix: "earlier_backfill_" });
  try {
    // the fixture's earlier snapshot as `history backfill` stores it: its requests are the
    // window's as they were, its seats today's members who had joined by then (never more than
    // today's: those removed since are not seen), so "fewer seats" cannot be read against it
    await storeEarlier(dir, { demo: false, origin: "backfill" });
    const { outlook } = await outlookFromHistory(outlookFrame(), {
      dir,
      asOf: AS_OF,
      demo: false,
      windowDays: 30,
      book: await loadPriceBook(),
    });
    assertEquals(outlook.earlierAsOf, earlier().asOf);
    // e's 4 seats then are not compared: churn d (requests down), f, g, h (Stripe, database)
    assertEquals(outlook.facts.signals.seats_down, 0);
    assertEquals(
      [outlook.churn.getColumn("org_id").toArray(), outlook.facts.churnMrrUsd],
      [["d", "g", "f", "h"], 799 + 200 + 20 + 20],
    );
    assertEquals(outlook.churn.getColumn("seats_earlier").toArray(), [null, null, null, null]);
    assertEquals(
      earlierLine(outlook, AS_OF),
      "Earlier figures: the history snapshot of 2026-10-01 (31 days before the as-of: its `requests_30d` per `org_id`; a backfill, whose `seats` count today's members who had joined by then, not those removed since, so seats are not compared); 1 paying organization is not in it (new since, or paying under another id): its trend is not known.",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("no paying organization (a free segment, an empty tier): the counts say there is none to judge, not '0 of 0'", async () => {
  // i alone: free, $0, growing from 100 to 90,000 requests: not paying, not judged
  const lines = outlookSection(outlookFrame().filter(pl.col("org_id").eq(pl.lit("i"))), {
    asOf: AS_OF,
    earlier: earlier(),
    book: await loadPriceBook(),
    windowDays: 30,
  });
  assertEquals(
    lines[6],
    "No paying organization (MRR above $0 on its row): no sign of leaving or expansion candidate to name.",
  );
  ok(!lines.join("\n").includes("0 of 0"), lines.join("\n"));
  ok(!lines.some((line) => /most MRR first|most requests added first/.test(line)));
});

Deno.test("two snapshots in the range that cannot be read: each named in the answer's warning, the next newest read", async () => {
  const dir = await Deno.makeTempDir({ prefix: "earlier_two_unreadable_" });
  try {
    const frame = (requests: number) =>
      exportFrameFromColumns({ org_id: ["o1"], requests_30d: [requests], seats: [2], mrr: [20] });
    // 42 days before, readable; 35 and 30 days before, cut short
    await snapshotAt(dir, "2026-09-20", frame(4));
    const cuts = [];
    for (const asOf of ["2026-09-27", "2026-10-02"]) {
      const cut = await snapshotAt(dir, asOf, frame(5));
      await Deno.truncate(cut.path, Math.floor(cut.bytes / 2));
      cuts.push(cut.path);
    }
    const { outlook, warning: said } = await outlookFromHistory(outlookFrame(), {
      dir,
      asOf: AS_OF,
      demo: false,
      windowDays: 30,
      book: await loadPriceBook(),
    });
    assertEquals(outlook.earlierAsOf, new Date("2026-09-20T00:00:00Z"));
    const warning = said ?? "no warning";
    // newest first, a clause each, in the one line the admin page and account_outlook show
    const clauses = [cuts[1], cuts[0]].map((path) =>
      `signs of leaving and expansion candidates: history snapshot left out: ${path} is not a readable Parquet snapshot (`
    );
    ok(warning.startsWith(clauses[0]), warning);
    const second = warning.indexOf(`; ${clauses[1]}`);
    ok(second > 0, warning);
    assertEquals(warning.split("history snapshot left out: ").length - 1, 2, warning);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a history folder that is a file: the trends not read, said, the answer goes on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "earlier_folder_file_" });
  try {
    const history = join(dir, "history");
    await Deno.writeTextFile(history, "not a folder");
    const expected =
      `signs of leaving and expansion candidates not read: history folder ${history} is a file, not a folder`;
    assertEquals(await readEarlierUsage(history, { asOf: AS_OF, demo: false }), {
      earlier: null,
      warnings: [expected],
    });
    // the outlook against it: the trends not known, churn by the signals alone (f, g, h)
    const { outlook, warning } = await outlookFromHistory(outlookFrame(), {
      dir: history,
      asOf: AS_OF,
      demo: false,
      windowDays: 30,
      book: await loadPriceBook(),
    });
    assertEquals([outlook.earlierAsOf, outlook.facts.churn, warning], [null, 3, expected]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the outlook against the history folder reads another window's requests on a 30-day basis", async () => {
  // the admin page's and account_outlook's (outlookFromHistory) as the brief's: a 7-day export,
  // a's 4,000 requests are 4,000 × 30 / 7 = 17,142.86 a month, +71.4 % on the earlier 10,000
  const dir = await Deno.makeTempDir({ prefix: "earlier_window_" });
  try {
    await storeEarlier(dir, { demo: false });
    const frame = outlookFrame().filter(pl.col("org_id").eq(pl.lit("a")))
      .withColumns(pl.lit(4_000).cast(pl.Int64).alias("requests_30d"));
    const { outlook, warning } = await outlookFromHistory(frame, {
      dir,
      asOf: AS_OF,
      demo: false,
      windowDays: 7,
      book: await loadPriceBook(),
    });
    assertEquals([outlook.earlierAsOf, warning], [new Date("2026-10-01T00:00:00Z"), null]);
    const [row] = outlook.upgrade.toRecords();
    assertEquals(
      [row.org_id, Math.round(row.requests_30d as number), row.requests_earlier],
      ["a", 17_143, 10_000],
    );
    assertEquals(Math.round((row.requests_change_pct as number) * 10) / 10, 71.4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the section's expansion candidates: all of them when as many as shown, the first N said where fewer are shown", () => {
  // without a price book no plan lists an included amount: a and b are both candidates (a added
  // 10,000 requests, b 4,000: outlook_test)
  const section = (top: number) =>
    outlookSection(outlookFrame(), { asOf: AS_OF, earlier: earlier(), windowDays: 30, top });
  assertEquals(
    tableRows(section(2), "Expansion candidates, most requests added first:")?.length,
    2,
  );
  const first = tableRows(
    section(1),
    "Expansion candidates, most requests added first (the first 1):",
  );
  assertEquals(first?.map((row) => row.split(" | ")[0]), ["| A"]);
});
