/**
 * The questions notebook's upgrade and churn section (lib/notebooks/outlook_page.ts): the brief's
 * section over an export file, against the snapshot a month before in the history folder beside
 * it, names escaped; none there, the trends not known. The fixture's outcomes are worked out by
 * hand in tests/outlook_fixture.ts.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { loadQuestionsFrame, stoppedSource } from "../lib/notebooks/questions_page.ts";
import { outlookDisplays } from "../lib/notebooks/outlook_page.ts";
import { UserError } from "../lib/core/config.ts";
import { mimeBundle } from "../lib/report/display.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { outlookFrame, storeEarlier } from "./outlook_fixture.ts";

const HOSTILE = "D *bold* <i>|pipe";

/** The section's Markdown over the fixture exported as of 2026-11-01, with or without a snapshot. */
async function sectionMarkdown({ snapshot }: { snapshot: boolean }): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "questions_outlook_" });
  try {
    const path = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(
      outlookFrame().withColumns(
        pl.when(pl.col("org_id").eq(pl.lit("d"))).then(pl.lit(HOSTILE))
          .otherwise(pl.col("org_name")).alias("org_name"),
      ),
      path,
    );
    if (snapshot) {
      await storeEarlier(join(dir, "history"), { demo: false });
    }
    const source = await loadQuestionsFrame({ asOf: new Date(), csvPath: path });
    assertEquals(source.historyDir, join(dir, "history"));
    const displays = await outlookDisplays(source, { top: 15 });
    assertEquals(displays.length, 1);
    return mimeBundle(displays[0])["text/plain"] as string;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the notebook's outlook: the brief's section against the snapshot beside the export, names escaped", async () => {
  const text = await sectionMarkdown({ snapshot: true });
  ok(text.startsWith("Paying organizations (`mrr` > 0 on their row;"), text);
  ok(text.includes("\nEarlier figures: the history snapshot of 2026-10-01 (31 days before"), text);
  // churn d, e, f, g, h: $799 + $40 + $20 + $200 + $20; upgrade a: $79
  ok(
    text.includes(
      "\nSigns of leaving: 5 of 11 paying organizations ($1,079.00 MRR). Expansion candidates: 1 of 11 paying organizations ($79.00 MRR).\n",
    ),
    text,
  );
  ok(text.includes("| D \\*bold\\* &lt;i>\\|pipe | team 2025-12-10 | $799.00 | 40,000 |"), text);
  ok(!text.includes(HOSTILE));
  ok(text.includes("| A | pro 2025-12-10 | $79.00 | 20,000 | 10,000 | 100.0 % | 3 | 3 |"), text);
});

Deno.test("the notebook's outlook without a snapshot a month before: the trends not known; a stopped source shows nothing", async () => {
  const text = await sectionMarkdown({ snapshot: false });
  ok(
    text.includes("\nNo readable history snapshot from 30 to 62 days before the as-of is stored"),
    text,
  );
  ok(
    text.includes(
      "Signs of leaving: 3 of 11 paying organizations ($240.00 MRR). Expansion candidates: not known (–).",
    ),
    text,
  );
  const stopped = await outlookDisplays(stoppedSource(new UserError("csvPath: x")), { top: 15 });
  ok(
    (mimeBundle(stopped[0])["text/markdown"] as string).startsWith("_Nothing to show: loading"),
  );
});

Deno.test("the notebook's outlook: a snapshot left out is said in a warning whose data is escaped, as the brief's warnings", async () => {
  const dir = await Deno.makeTempDir({ prefix: "questions_outlook_" });
  try {
    const path = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(outlookFrame(), path);
    await Deno.mkdir(join(dir, "history"));
    // a snapshot a month before written by another tool: a NaN, on an org_id of markup
    const evil = "![x](http://evil.example/a.png)";
    pl.DataFrame({ org_id: [evil], requests_30d: [NaN], seats: [1] })
      .writeParquet(join(dir, "history", "helicone_pricing_data_2026-10-01.parquet"));
    const source = await loadQuestionsFrame({ asOf: new Date(), csvPath: path });
    const [display] = await outlookDisplays(source, { top: 15 });
    const bundle = mimeBundle(display);
    const text = bundle["text/markdown"] as string;
    // the warning names the snapshot and the organization, left out: no trend
    ok(
      text.startsWith(
        "**Warning:** signs of leaving and expansion candidates: history snapshot left out: ",
      ),
      text,
    );
    ok(text.includes('(organization "!\\[x\\](http&#58;//evil.example/a.png)"): NaN'), text);
    ok(text.includes("Expansion candidates: not known (–)."), text);
    // the org_id is no image in the notebook's HTML (nbconvert shows that output)
    const html = bundle["text/html"] as string;
    ok(!html.includes("<img") && !html.includes('evil.example/a.png"'), html);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the notebook's outlook on an export file reads the settings file as the run does: its history folder and price book", async () => {
  const dir = await Deno.makeTempDir({ prefix: "questions_outlook_env_" });
  try {
    const exports = join(dir, "exports");
    await Deno.mkdir(exports);
    const path = join(exports, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(outlookFrame(), path);
    // the snapshot a month before lies where the settings file's PRICING_HISTORY_DIR puts it,
    // not beside the file
    const elsewhere = join(dir, "elsewhere");
    await storeEarlier(elsewhere, { demo: false });
    const envFile = join(dir, ".env");
    await Deno.writeTextFile(envFile, `PRICING_HISTORY_DIR=${elsewhere}\n`);
    const source = await loadQuestionsFrame({ asOf: new Date(), csvPath: path, envFile });
    assertEquals(source.historyDir, elsewhere);
    const [display] = await outlookDisplays(source, { top: 15 });
    const text = mimeBundle(display)["text/plain"] as string;
    ok(
      text.includes("\nEarlier figures: the history snapshot of 2026-10-01 (31 days before"),
      text,
    );
    // a price book the settings file names but that cannot be read stops the loading in one
    // line, as it stops a run's, rather than the outlook going on without the included amounts
    await Deno.writeTextFile(
      envFile,
      `PRICING_HISTORY_DIR=${elsewhere}\nPRICING_PRICE_BOOK=${join(dir, "missing.json")}\n`,
    );
    const error = await loadQuestionsFrame({ asOf: new Date(), csvPath: path, envFile }).then(
      () => null,
      (error: unknown) => error,
    );
    ok(error instanceof UserError, String(error));
    ok(error.message.startsWith("PRICING_PRICE_BOOK: "), error.message);
    ok(!error.message.includes("\n"), error.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
