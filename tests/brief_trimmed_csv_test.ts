/**
 * The brief's upload advice: the trimmed CSV without idle free organizations for a CSV above the
 * limit (what it keeps, when it is not written, its threshold setting), and XLSX-only exports and
 * segment files sized against the limit.
 */
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { COLUMNS } from "../lib/frame/columns.ts";
import {
  briefMarkdown,
  trimAboveBytesFromEnv,
  trimmedExportFrame,
  trimmedFloorBytes,
  trimmedKeepMask,
  trimmedPlan,
  trimmedRowCount,
} from "../lib/report/brief.ts";
import { writeExportBrief } from "../lib/report/brief_file.ts";
import { exportFrameFromColumns, readExportFile } from "../lib/formats/read_export.ts";
import { segmentFrames } from "../lib/report/segments.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { codeSpans, CSV, data, frame } from "./brief_fixture.ts";

Deno.test("a CSV above the limit gets a trimmed variant without idle free organizations", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const csvPath = join(dir, CSV);
    const csvBytes = await writeCsvFile(frame, csvPath);
    // Under the limit: brief only.
    const small = await writeExportBrief({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      data,
      outDir: dir,
      exportPaths: [csvPath],
    });
    // (an earlier export's trimmed CSV of the same date would be stale: the export retires it)
    assertEquals(small, {
      briefPath: join(dir, "helicone_pricing_data_2026-11-01.md"),
      stale: ["helicone_pricing_data_2026-11-01_trimmed.csv"],
    });
    // Over the limit: the trimmed CSV drops o1 (free, 0 requests) and keeps o2 (free, 1,000).
    const large = await writeExportBrief({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      data,
      outDir: dir,
      exportPaths: [csvPath],
      trimAboveBytes: csvBytes - 1,
    });
    const trimmedPath = join(dir, "helicone_pricing_data_2026-11-01_trimmed.csv");
    assertEquals(large.trimmedPath, trimmedPath);
    assertEquals(large.stale, []);
    const trimmed = await readExportFile(trimmedPath);
    assertEquals(trimmed.frame.getColumn("org_id").toArray(), ["o2", "o3", "o4", "o5"]);
    assertEquals(trimmedExportFrame(frame).height, 4);
    const brief = await Deno.readTextFile(large.briefPath);
    const trimmedBytes = (await Deno.stat(trimmedPath)).size;
    ok(brief.includes(
      `- \`helicone_pricing_data_2026-11-01_trimmed.csv\`: ${
        (trimmedBytes / 1024).toFixed(1)
      } KB, 4 organizations: the same columns without the 1 free organization that sent no requests in the window, carries no revenue (MRR $0 or not fetched, no PTB revenue in the window) and shares no Stripe customer with an organization the file keeps`,
    ));
    ok(
      brief.includes(
        "Upload `helicone_pricing_data_2026-11-01_trimmed.csv` and this brief instead.",
      ),
    );
    // The figures are the full CSV's (5 organizations, 19 seats), and the brief says so, with
    // what the trimmed file holds: 4 rows; left out o1 (free, 0 requests, 1 seat, MRR $0).
    const lines = brief.split("\n");
    ok(lines.includes(
      "**Which file these figures describe:** every count, sum and distribution in this brief (Scope, Totals, unit economics, By tier, Distributions) describes the full export `helicone_pricing_data_2026-11-01.csv`, 5 organizations. `helicone_pricing_data_2026-11-01_trimmed.csv` holds 4 of them, one row each, with the same columns: left out is the 1 free organization that sent no requests in the window, carries no revenue (MRR $0 or not fetched, no PTB revenue in the window) and shares no Stripe customer with an organization the file keeps (1 seat, $0.00 known MRR). Counted in the trimmed file, organizations, seats, the free tier and the distributions come out lower than here; the MRR total is the same (no organization with MRR above $0 is left out).",
    ));
    ok(lines.includes(
      `- 5 organizations in the full export \`${CSV}\`, one row each (the trimmed \`helicone_pricing_data_2026-11-01_trimmed.csv\`: 4), ${COLUMNS.length} columns.`,
    ));
    ok(lines.includes("| organizations | 5 |") && lines.includes("| seats | 19 |"));
    ok(
      !brief.includes(`- 5 organizations, one row each`),
      "no bare row count beside a trimmed file",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * a1 Alpha Pro, pro, 5,000 requests, its revenue on a2 (shared_customer)   → kept (requests)
 * a2 Alpha sandbox, free, 0 requests, cus_alpha's revenue row, MRR $79     → kept (revenue)
 * b1 free, 0 requests, no Stripe customer, MRR $0                          → out
 * c1 free, 0 requests, cus_gamma's revenue row, MRR $0                     → out
 * c2 free, 0 requests, cus_gamma (shared_customer with c1, MRR empty)      → out (c1 is out)
 * d1 pro, 100 requests, its revenue on d2 (shared_customer)                → kept (requests)
 * d2 free, 0 requests, cus_delta's revenue row, MRR $0                     → kept (shares with d1)
 * e1 free, 0 requests, revenue in a currency without a rate (unconverted)  → kept (revenue)
 */
const sharedCustomers = exportFrameFromColumns({
  org_id: ["a1", "a2", "b1", "c1", "c2", "d1", "d2", "e1"],
  tier: ["pro", "free", "free", "free", "free", "pro", "free", "free"],
  seats: [3, 1, 2, 1, 1, 2, 1, 1],
  requests_30d: [5_000, 0, 0, 0, 0, 100, 0, 0],
  stripe_customer_id: [
    "cus_alpha",
    "cus_alpha",
    null,
    "cus_gamma",
    "cus_gamma",
    "cus_delta",
    "cus_delta",
    "cus_eur",
  ],
  mrr: [null, 79, 0, 0, null, null, 0, null],
  revenue_source: [
    "shared_customer",
    "stripe",
    "no_customer",
    "stripe",
    "shared_customer",
    "shared_customer",
    "stripe",
    "unconverted",
  ],
});

Deno.test("the trimmed CSV keeps free organizations that carry revenue or share a kept organization's Stripe customer", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const kept = ["a1", "a2", "d1", "d2", "e1"];
    assertEquals(trimmedExportFrame(sharedCustomers).getColumn("org_id").toArray(), kept);
    assertEquals(trimmedRowCount(sharedCustomers), 5);
    // the export's own pass (the CSV writer's subset) keeps the same rows
    const plan = trimmedPlan(sharedCustomers, {
      path: "t.csv",
      uploadLimitBytes: 20 * 1024 * 1024,
    });
    assertEquals([...plan.subset!.keep], [1, 1, 0, 0, 0, 1, 1, 1]);
    const csvPath = join(dir, CSV);
    const csvBytes = await writeCsvFile(sharedCustomers, csvPath);
    const written = await writeExportBrief({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      data: { ...data, frame: sharedCustomers },
      outDir: dir,
      exportPaths: [csvPath],
      trimAboveBytes: csvBytes - 1,
    });
    const trimmed = (await readExportFile(written.trimmedPath!)).frame;
    assertEquals(trimmed.getColumn("org_id").toArray(), kept);
    // MRR: $79 in both files (a2's row), so a1's shared_customer row has its revenue row
    assertEquals(trimmed.getColumn("mrr").sum(), 79);
    const brief = await Deno.readTextFile(written.briefPath);
    ok(
      brief.includes(
        "5 organizations: the same columns without the 3 free organizations that sent no requests in the window, carry no revenue (MRR $0 or not fetched, no PTB revenue in the window) and share no Stripe customer with an organization the file keeps\n",
      ),
      brief,
    );
    // left out b1, c1, c2: seats 2 + 1 + 1 = 4; MRR $0 + $0 known, and c2's empty mrr is not
    // unknown: its customer's revenue ($0) is on c1's row
    ok(
      brief.includes(
        "left out are the 3 free organizations that sent no requests in the window, carry no revenue (MRR $0 or not fetched, no PTB revenue in the window) and share no Stripe customer with an organization the file keeps (4 seats, $0.00 known MRR). Counted in the trimmed file, organizations, seats, the free tier and the distributions come out lower than here; the MRR total is the same (no organization with MRR above $0 is left out).",
      ),
      brief,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the trimmed CSV keeps an idle free organization that bought PTB credits in the window", () => {
  // b1: free, no requests, no Stripe customer, but $500 of PTB credits bought in the window:
  // revenue the trimmed file's PTB total would lose; c1 and c2 are still left out
  const withPtb = sharedCustomers.withColumns(
    pl.Series("ptb_revenue_30d", [0, 0, 500, 0, null, 0, 0, 0], pl.Float64),
  );
  assertEquals(
    trimmedExportFrame(withPtb).getColumn("org_id").toArray(),
    ["a1", "a2", "b1", "d1", "d2", "e1"],
  );
  const plan = trimmedPlan(withPtb, { path: "t.csv", uploadLimitBytes: 20 * 1024 * 1024 });
  assertEquals([...plan.subset!.keep], [1, 1, 1, 0, 0, 1, 1, 1]);
});

Deno.test("a trimmed file that would leave no organization out is not written; the brief says so", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // o2–o5 only: no free organization without requests, so the trimmed file would be the CSV
    const busy = frame.slice(1, 4);
    assertEquals(trimmedRowCount(busy), 4);
    assertEquals(trimmedRowCount(frame), 4); // o1 left out
    // so the export's CSV pass writes no trimmed copy of it
    const planOf = (f: typeof frame) => trimmedPlan(f, { path: "t.csv", uploadLimitBytes: 1e9 });
    assertEquals(planOf(busy), {});
    assertEquals(planOf(frame).subset?.path, "t.csv");
    const csvPath = join(dir, CSV);
    const csvBytes = await writeCsvFile(busy, csvPath);
    // and a trimmed file written ahead (the export's CSV pass) with every row is removed
    const aheadPath = join(dir, "helicone_pricing_data_2026-11-01_trimmed.csv");
    for (const ahead of [false, true]) {
      if (ahead) await writeCsvFile(busy, aheadPath);
      const trimmedWritten = ahead ? { path: aheadPath, bytes: csvBytes, rows: 4 } : undefined;
      const written = await writeExportBrief({
        chosenBy: ANOTHER_OUTPUT_FOLDER,
        data: { ...data, frame: busy },
        outDir: dir,
        exportPaths: [csvPath],
        trimAboveBytes: csvBytes - 1,
        trimmedWritten,
      });
      assertEquals(written, {
        briefPath: join(dir, "helicone_pricing_data_2026-11-01.md"),
        stale: ["helicone_pricing_data_2026-11-01_trimmed.csv"],
      });
      assertEquals((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort(), [
        CSV,
        "helicone_pricing_data_2026-11-01.md",
      ]);
      const brief = await Deno.readTextFile(written.briefPath);
      ok(!brief.includes("_trimmed.csv"));
      ok(brief.includes(
        "Every organization is on a paid tier, sent requests in the window, carries revenue or shares a Stripe customer with one of those, so there is no trimmed file: upload a segment file (`deno task export --segments`; sizes estimated after this) or filter the CSV first, with this brief, or let Claude query the data through the kit's MCP server (`deno task mcp`). Segment files (`--segments`) under the limit, estimated at the CSV's",
      ));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the trimmed CSV's fewest bytes: separators, text characters and a byte per other value", () => {
  // kept a1, a2, d1, d2, e1; every row has COLUMNS.length separators and line ends. Text
  // characters, then the other values (seats, requests_30d, mrr where known):
  //   a1: a1 + pro + cus_alpha + shared_customer = 2 + 3 + 9 + 15 = 29, seats, requests → 31
  //   a2: a2 + free + cus_alpha + stripe = 2 + 4 + 9 + 6 = 21, seats, requests, mrr 79 → 24
  //   d1: d1 + pro + cus_delta + shared_customer = 29, seats, requests → 31
  //   d2: d2 + free + cus_delta + stripe = 21, seats, requests, mrr 0 → 24
  //   e1: e1 + free + cus_eur + unconverted = 2 + 4 + 7 + 11 = 24, seats, requests → 26
  const floor = 5 * COLUMNS.length + 31 + 24 + 31 + 24 + 26;
  assertEquals(trimmedFloorBytes(sharedCustomers, trimmedKeepMask(sharedCustomers)), floor);
  // the left-out rows do not count
  assertEquals(trimmedFloorBytes(sharedCustomers, new Uint8Array(8)), 0);
  // a NaN or infinite number is written empty, as null is: no byte (a2's mrr 79 → NaN)
  const nan = sharedCustomers.withColumns(
    pl.Series("mrr", [null, Number.NaN, 0, 0, null, null, Number.POSITIVE_INFINITY, null]),
  );
  assertEquals(trimmedFloorBytes(nan, trimmedKeepMask(sharedCustomers)), floor - 2);
  const at = (uploadLimitBytes: number) =>
    trimmedPlan(sharedCustomers, { path: "t.csv", uploadLimitBytes });
  assertEquals(at(floor - 1), { aboveLimit: { rows: 5, leftOut: 3, floorBytes: floor } });
  assertEquals(at(floor).subset?.path, "t.csv");
});

Deno.test("a trimmed file that could not be uploaded either is not written; the brief says why", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const floor = trimmedFloorBytes(sharedCustomers, trimmedKeepMask(sharedCustomers));
    const csvPath = join(dir, CSV);
    await writeCsvFile(sharedCustomers, csvPath);
    const trimmedName = "helicone_pricing_data_2026-11-01_trimmed.csv";
    // written by the brief itself (no export ahead of it), then as the export hands it over
    const aboveLimit = { rows: 5, leftOut: 3, floorBytes: floor };
    // every segment of these organizations is empty: no segment file is offered
    assertEquals(segmentFrames(sharedCustomers).filter((s) => s.frame.height > 0), []);
    for (const handed of [undefined, aboveLimit]) {
      const written = await writeExportBrief({
        chosenBy: ANOTHER_OUTPUT_FOLDER,
        data: { ...data, frame: sharedCustomers },
        outDir: dir,
        exportPaths: [csvPath],
        trimAboveBytes: floor - 1,
        trimmedAboveLimit: handed,
      });
      assertEquals(written, {
        briefPath: join(dir, "helicone_pricing_data_2026-11-01.md"),
        stale: [trimmedName],
      });
      assertEquals((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort(), [
        CSV,
        "helicone_pricing_data_2026-11-01.md",
      ]);
      const brief = await Deno.readTextFile(written.briefPath);
      ok(!brief.includes(trimmedName), brief);
      ok(
        brief.includes(
          `A trimmed file would be above it too, so none was written: without the 3 free organizations that sent no requests in the window, carry no revenue (MRR $0 or not fetched, no PTB revenue in the window) and share no Stripe customer with an organization the file keeps, it would still hold 5 organizations, at least ${
            (floor / 1024).toFixed(1)
          } KB. Instead filter the CSV first, with this brief, or let Claude query the data through the kit's MCP server (\`deno task mcp\`).`,
        ),
        brief,
      );
    }
    // at the floor itself it may fit: written, but it came to more (a header, the numbers'
    // digits), above the limit too, so it is not kept either; the brief gives its real size
    const full = trimmedExportFrame(sharedCustomers);
    const bytes = await writeCsvFile(full, join(dir, "measure.csv"));
    await Deno.remove(join(dir, "measure.csv"));
    ok(bytes > floor, `${bytes} > ${floor}`);
    for (const handed of [undefined, "export"]) {
      // written by the brief itself, then as the export hands it over (written in its CSV pass)
      const path = join(dir, trimmedName);
      if (handed) await writeCsvFile(full, path);
      const written = await writeExportBrief({
        chosenBy: ANOTHER_OUTPUT_FOLDER,
        data: { ...data, frame: sharedCustomers },
        outDir: dir,
        exportPaths: [csvPath],
        trimAboveBytes: floor,
        ...(handed ? { trimmedWritten: { path, bytes, rows: full.height } } : {}),
      });
      assertEquals(written.trimmedPath, undefined);
      assertEquals(written.stale, [trimmedName]);
      await rejects(Deno.stat(path), Deno.errors.NotFound);
      const brief = await Deno.readTextFile(written.briefPath);
      ok(!brief.includes(`\`${trimmedName}\``), brief);
      ok(
        brief.includes(
          `A trimmed file is above it too, so it was not kept: written, it came to ${
            (bytes / 1024).toFixed(1)
          } KB without the 3 free organizations that sent no requests in the window, carry no revenue (MRR $0 or not fetched, no PTB revenue in the window) and share no Stripe customer with an organization the file keeps, still 5 organizations. Instead`,
        ),
        brief,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a trimmed file above the limit too is listed, and the brief points to a smaller file", () => {
  const trimmedName = "helicone_pricing_data_2026-11-01_trimmed.csv";
  const brief = briefMarkdown({
    data,
    exportFiles: [{ name: CSV, bytes: 30 * 1024 * 1024 }],
    trimmed: { name: trimmedName, bytes: 25 * 1024 * 1024, rows: 4 },
  });
  ok(brief.includes(`- \`${trimmedName}\`: 25.0 MB, 4 organizations`));
  ok(brief.includes(
    "**Upload:** the full CSV is 30.0 MB, above the 20.0 MB that AI assistants take comfortably (Claude about 30 MB per file). The trimmed file is above it too (25.0 MB): upload a segment file (`deno task export --segments`) or filter the CSV first, with this brief, or let Claude query the data through the kit's MCP server (`deno task mcp`).",
  ));
  ok(!brief.includes(`Upload \`${trimmedName}\``));
});

Deno.test("the trim threshold comes from PRICING_BRIEF_TRIM_ABOVE_MB", () => {
  assertEquals(trimAboveBytesFromEnv({}), 20 * 1024 * 1024);
  assertEquals(trimAboveBytesFromEnv({ PRICING_BRIEF_TRIM_ABOVE_MB: "0.5" }), 524_288);
  let message = "";
  try {
    trimAboveBytesFromEnv({ PRICING_BRIEF_TRIM_ABOVE_MB: "big" });
  } catch (error) {
    message = (error as Error).message;
  }
  assertEquals(message, 'PRICING_BRIEF_TRIM_ABOVE_MB must be a number of megabytes > 0, got "big"');
});

Deno.test("an XLSX-only export gets upload advice, above the limit what to upload instead; a workbook beside a CSV is sized too", () => {
  const XLSX = "helicone_pricing_data_2026-11-01.xlsx";
  const trimmedName = "helicone_pricing_data_2026-11-01_trimmed.csv";
  const MB = 1024 * 1024;
  const upload = (input: Omit<Parameters<typeof briefMarkdown>[0], "data">) =>
    briefMarkdown({ data, ...input }).split("\n").filter((l) => l.startsWith("**Upload:**"));
  const above =
    "above the 20.0 MB that AI assistants take comfortably (Claude about 30 MB per file)";
  // a small workbook alone: upload it
  assertEquals(upload({ exportFiles: [{ name: XLSX, bytes: 2048 }] }), [
    `**Upload:** \`${XLSX}\` (2.0 KB) together with this brief.`,
  ]);
  // a workbook alone above the limit (32.5 MB, ~100k organizations): no trimmed file, and why
  assertEquals(upload({ exportFiles: [{ name: XLSX, bytes: 32.5 * MB }] }), [
    `**Upload:** the workbook \`${XLSX}\` is 32.5 MB, ${above}. This export has no CSV, so no trimmed file: export the CSV (\`deno task export --format csv\`; when it is large the kit writes a trimmed CSV beside it and the brief says which to upload), or upload a segment file (\`deno task export --segments\`), with this brief, or let Claude query the data through the kit's MCP server (\`deno task mcp\`).`,
  ]);
  // a CSV under the limit beside a workbook above it: upload the CSV, not the workbook
  assertEquals(
    upload({ exportFiles: [{ name: CSV, bytes: 2048 }, { name: XLSX, bytes: 32.7 * MB }] }),
    [
      `**Upload:** \`${CSV}\` (2.0 KB) together with this brief. The workbook \`${XLSX}\` (32.7 MB) is ${above}: do not upload it.`,
    ],
  );
  // both above: the trimmed CSV, and the workbook is above it too
  assertEquals(
    upload({
      exportFiles: [{ name: CSV, bytes: 25 * MB }, { name: XLSX, bytes: 54.3 * MB }],
      trimmed: { name: trimmedName, bytes: 10 * MB, rows: 4 },
    }),
    [
      `**Upload:** the full CSV is 25.0 MB, ${above}. Upload \`${trimmedName}\` and this brief instead. The workbook \`${XLSX}\` (54.3 MB) is above it too: do not upload it.`,
    ],
  );
});

Deno.test("an XLSX-only export above the limit with segments: no trimmed CSV; each segment file sized against the limit", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { writeSegmentFiles } = await import("../lib/report/segments.ts");
    const xlsxPath = join(dir, "helicone_pricing_data_2026-11-01.xlsx");
    await Deno.writeFile(xlsxPath, new Uint8Array(5000));
    const segments = segmentFrames(frame);
    const segmentPaths = await writeSegmentFiles(segments, {
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      outDir: dir,
      stamp: "2026-11-01",
    });
    const sizes = await Promise.all(segmentPaths.map(async (p) => (await Deno.stat(p)).size));
    // a limit just under the largest segment file (ptb_customers, 2 organizations): the others fit
    const limit = Math.max(...sizes) - 1;
    assertEquals(sizes.indexOf(limit + 1), 0);
    ok(Math.min(...sizes) < limit, `segment files of different sizes: ${sizes}`);
    const written = await writeExportBrief({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      data,
      outDir: dir,
      exportPaths: [xlsxPath],
      segments,
      trimAboveBytes: limit,
    });
    assertEquals(written.trimmedPath, undefined);
    ok(!(await Array.fromAsync(Deno.readDir(dir))).some((e) => e.name.includes("trimmed")));
    const brief = await Deno.readTextFile(written.briefPath);
    ok(
      brief.includes(
        "This export has no CSV, so no trimmed file: export the CSV (`deno task export --format csv`; when it is large the kit writes a trimmed CSV beside it and the brief says which to upload), or upload a segment file under the limit (listed after this), with this brief, or let Claude query the data through the kit's MCP server (`deno task mcp`).",
      ),
      brief,
    );
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    // named with their sizes, those with an organization: the empty three are no file to upload
    const named = (i: number) =>
      `\`helicone_pricing_data_2026-11-01_${segments[i].name}.csv\` (${kb(sizes[i])})`;
    assertEquals(segments.map((s) => s.frame.height), [2, 1, 1, 0, 1, 1, 0, 1, 0]);
    ok(
      brief.includes(
        `(\`deno task mcp\`). Segment files with an organization under the limit: ${
          [1, 2, 4, 5, 7].map(named).join(", ")
        }; above it: ${named(0)}.\n`,
      ),
      brief,
    );
    const lines = brief.split("\n");
    ok(lines.includes("| file | segment | rule | organizations | size |"));
    segments.forEach((segment, i) => {
      const size = sizes[i] > limit
        ? `${kb(sizes[i])}, above the ${kb(limit)} limit`
        : kb(sizes[i]);
      // (o5's MRR is unknown: the rules that judge MRR say so beside their count)
      const count = segment.frame.height +
        (segment.notJudged ? ` — ${segment.notJudged.text}` : "");
      ok(
        lines.includes(
          `| \`helicone_pricing_data_2026-11-01_${segment.name}.csv\` | ${segment.title} | ${
            codeSpans(segment.rule)
          } | ${count} | ${size} |`,
        ),
        `${segment.name}: ${size}`,
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
