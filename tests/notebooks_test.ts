/**
 * Both notebooks run headless on the demo data with the Deno kernel (Debian's nbconvert), fail on
 * any cell error, and show what they promise: tables, charts as PNG (also in the HTML a notebook is
 * shared as), readings, the export's full set of files; a bad parameter stops them in one line.
 * (That they are committed clean: check_notebooks_test.ts.)
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { parseCsv } from "../lib/formats/csv_parse.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { PER_PLAN_MARGINS_NOTE } from "../lib/economics/report.ts";
import { demoExportIn, withUnmappedCustomers } from "./fixtures/manifest_warnings.ts";
import { NOTEBOOKS_DIR } from "../tools/check_notebooks.ts";

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  text?: string | string[];
  ename?: string;
  evalue?: string;
}

interface ExecutedCell {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
}

const PYTHON = "/usr/bin/python3";
const decoder = new TextDecoder();

/** Runs Python with the given code; stdout, or the reason it failed. */
async function python(code: string): Promise<{ ok: boolean; out: string }> {
  try {
    const result = await new Deno.Command(PYTHON, { args: ["-c", code], stderr: "piped" })
      .output();
    return {
      ok: result.success,
      out: decoder.decode(result.success ? result.stdout : result.stderr),
    };
  } catch (error) {
    return { ok: false, out: String(error) };
  }
}

/** nbconvert and the Deno kernel spec, installing the kernel spec when it is missing. */
async function ensureJupyter(): Promise<void> {
  const nbconvert = await python("import nbconvert, jupyter_client");
  if (!nbconvert.ok) {
    throw new Error(
      "the notebook tests need nbconvert: apt-get install python3-nbconvert python3-jupyter-client",
    );
  }
  const specs =
    "from jupyter_client.kernelspec import find_kernel_specs; print(' '.join(find_kernel_specs()))";
  if ((await python(specs)).out.split(/\s+/).includes("deno")) return;
  const install = await new Deno.Command(Deno.execPath(), {
    args: ["jupyter", "--install"],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!install.success || !(await python(specs)).out.split(/\s+/).includes("deno")) {
    throw new Error(`deno jupyter --install failed: ${decoder.decode(install.stderr)}`);
  }
}

interface ExecutedNotebook {
  cells: ExecutedCell[];
  /** the executed notebook as nbconvert writes it to HTML (how notebooks are shared) */
  html: string;
}

/**
 * Executes a notebook into a temp dir (nbconvert), then converts the executed notebook to HTML;
 * returns its cells with outputs and the HTML. With `parameters` ([text, replacement] pairs in the
 * parameters cell) the edited copy runs from a folder beside notebooks/ (its `../lib` imports
 * resolve the same) with --allow-errors, as the probe of a bad parameter runs it.
 */
async function execute(
  name: string,
  env: Record<string, string>,
  { parameters }: { parameters?: [string, string][] } = {},
): Promise<ExecutedNotebook> {
  await ensureJupyter();
  const out = await Deno.makeTempDir({ prefix: "notebook_run_" });
  const edited = parameters
    ? await Deno.makeTempDir({ dir: join(NOTEBOOKS_DIR, ".."), prefix: ".notebook_params_" })
    : null;
  try {
    let input = join(NOTEBOOKS_DIR, name);
    if (edited) {
      const notebook = JSON.parse(await Deno.readTextFile(input)) as { cells: ExecutedCell[] };
      const cell = notebook.cells.find((c) => c.cell_type === "code")!;
      let text = sourceOf(cell);
      for (const [from, to] of parameters!) {
        if (!text.includes(from)) throw new Error(`${name}'s parameters cell has no ${from}`);
        text = text.replace(from, to);
      }
      cell.source = text;
      input = join(edited, name);
      await Deno.writeTextFile(input, JSON.stringify(notebook));
    }
    const result = await new Deno.Command(PYTHON, {
      args: [
        "-m",
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        ...(edited ? ["--allow-errors"] : []),
        input,
        "--output-dir",
        out,
        "--output",
        name,
        "--ExecutePreprocessor.timeout=300",
        "--ExecutePreprocessor.startup_timeout=120",
      ],
      cwd: edited ?? NOTEBOOKS_DIR,
      // Empty database settings override any ../.env: the notebooks must run on demo data.
      env: { NO_COLOR: "1", PRICING_PG_URL: "", PRICING_CH_URL: "", ...env },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!result.success) {
      const log = decoder.decode(result.stderr).split("\n").slice(-30).join("\n");
      throw new Error(`${name} failed to execute:\n${log}`);
    }
    // every cell has its id (nbformat 4.5): nbconvert makes none up
    const stderr = decoder.decode(result.stderr);
    if (stderr.includes("MissingIDFieldWarning")) throw new Error(`${name}: ${stderr}`);
    const cells = JSON.parse(await Deno.readTextFile(join(out, name))).cells as ExecutedCell[];
    const html = await new Deno.Command(PYTHON, {
      args: ["-m", "nbconvert", "--to", "html", join(out, name), "--output-dir", out],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!html.success) {
      throw new Error(`${name} to HTML failed:\n${decoder.decode(html.stderr).slice(-2000)}`);
    }
    const htmlName = name.replace(/\.ipynb$/, ".html");
    return { cells, html: await Deno.readTextFile(join(out, htmlName)) };
  } finally {
    await Deno.remove(out, { recursive: true });
    if (edited) await Deno.remove(edited, { recursive: true });
  }
}

const sourceOf = (cell: ExecutedCell) =>
  Array.isArray(cell.source) ? cell.source.join("") : cell.source;
const outputsOf = (cells: ExecutedCell[]) => cells.flatMap((c) => c.outputs ?? []);
const withMime = (outputs: Output[], mime: string) =>
  outputs.map((o) => o.data?.[mime]).filter((d) => d !== undefined).map((d) =>
    Array.isArray(d) ? d.join("") : String(d)
  );
/** A cell's frame tables (frameHtml's; a Markdown table's HTML starts with its box). */
const frameTables = (outputs: Output[]) =>
  withMime(outputs, "text/html").filter((h) => h.startsWith("<table"));
/**
 * Shared as HTML, amounts read as typed: no `\$` (the Markdown's escape, shown as is when the page's
 * MathJax does not load: Debian's nbconvert points it at a file few have).
 */
function assertDollarsAsTyped(html: string, amounts: RegExp) {
  assertEquals(html.match(/.{0,40}\\\$.{0,20}/g) ?? [], []);
  ok(amounts.test(html), `${amounts} in the HTML`);
}
/** The code cell whose source contains `marker`. */
function cellWith(cells: ExecutedCell[], marker: string): ExecutedCell {
  const found = cells.find((c) => c.cell_type === "code" && sourceOf(c).includes(marker));
  if (!found) throw new Error(`no cell contains ${marker}`);
  return found;
}

function assertNoErrors(cells: ExecutedCell[]) {
  const errors = outputsOf(cells).filter((o) => o.output_type === "error");
  assertEquals(errors.map((e) => `${e.ename}: ${e.evalue}`), []);
}

Deno.test("export.ipynb runs the export once and shows each stage: tables, PNG charts, the full set of files", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "notebook_export_" });
  try {
    const { cells, html } = await execute("export.ipynb", { PRICING_NOTEBOOK_OUT_DIR: outDir });
    assertNoErrors(cells);
    const markdownText = withMime(outputsOf(cells), "text/markdown").join("\n");
    ok(markdownText.includes("**Demo data**"), "says the data is synthetic");

    const tables = (marker: string) => frameTables(cellWith(cells, marker).outputs ?? []).length;
    assertEquals(tables("page.queriesDisplays("), 4); // organizations, prompts, usage, PTB
    assertEquals(tables("page.joinDisplays("), 1);
    assertEquals(tables("page.revenueDisplays("), 1);
    assertEquals(tables("page.metricsDisplays("), 1);
    // Unit economics: headline margins on both bases, then one row per plan and `all`.
    const economics = cellWith(cells, "page.economicsDisplays(").outputs ?? [];
    const kpis = withMime(economics, "text/markdown").join("\n");
    ok(kpis.indexOf("company cost") < kpis.indexOf("(spec)"), "company-cost margin leads");
    const perPlan = frameTables(economics)[0];
    ok(perPlan.includes(">all</div>") && perPlan.includes(">pro (seat, legacy)</div>"), "plans");
    // … with the words that tell the per-plan margins from the headline's, and the cost model
    ok(kpis.includes(PER_PLAN_MARGINS_NOTE), "per-plan margins explained");
    ok(kpis.includes("margins on the company basis are an upper bound"), kpis);
    // … and the headline company margin says why it is one (the demo sets no infrastructure cost)
    ok(kpis.includes("| upper bound: infrastructure cost not set and "), kpis);
    // The run's warnings, once, under the banner (the demo data has no infrastructure cost).
    const infra = markdownText.split("infrastructure cost not set:").length - 1;
    assertEquals(infra, 1, "the infrastructure warning once");
    const runText = withMime(cellWith(cells, "page.runExportPage(").outputs ?? [], "text/markdown");
    ok(runText.join("").includes("infrastructure cost not set"), "shown with the run");
    // The query stage's costs are shown as dollars.
    const queries = withMime(cellWith(cells, "page.queriesDisplays(").outputs ?? [], "text/html")
      .join("");
    ok(queries.includes(">llm_cost_usd<") && !queries.includes("_nano"), "USD column names");
    // … and every table writes money in dollars with cents and margins in %, by column
    ok(/>\$[\d,]+\.\d\d<\/td>/.test(queries), "the queries' dollars");
    const metrics = withMime(cellWith(cells, "page.metricsDisplays(").outputs ?? [], "text/html")
      .join("");
    ok(/>\$[\d,]+\.\d\d<\/td>/.test(metrics) && /\d\.\d %<\/td>/.test(metrics), metrics);

    // The run wrote one whole set, the brief among it, and the manifest lists every file in it.
    const written = [...Deno.readDirSync(outDir)].filter((e) => e.isFile).map((e) => e.name)
      .sort();
    const csv = written.find((n) => /^helicone_pricing_data_\d{4}-\d{2}-\d{2}_demo\.csv$/.test(n));
    ok(csv, `CSV among ${written}`);
    const manifestName = csv.replace(/\.csv$/, ".manifest.json");
    ok(written.includes(csv.replace(/\.csv$/, ".xlsx")));
    ok(written.includes(manifestName), `manifest among ${written}`);
    ok(written.some((n) => n.endsWith(".md")), `brief among ${written}`);
    const manifest = JSON.parse(await Deno.readTextFile(join(outDir, manifestName)));
    const listed = (manifest.files as { name?: string; path?: string }[])
      .map((f) => (f.name ?? f.path ?? "").split("/").pop()!).sort();
    assertEquals(listed, written.filter((n) => n !== manifestName));
    const rows = parseCsv(await Deno.readTextFile(join(outDir, csv))).length - 1;
    assertEquals(manifest.row_count, rows);
    assertEquals(manifest.demo, true);
    ok(markdownText.includes(csv), "the files cell names the CSV");

    // Charts: one PNG output per chart file the run wrote, and each survives the HTML export.
    const pngFiles = written.filter((n) => n.endsWith(".png")).length;
    ok(pngFiles >= 5, `${pngFiles} chart PNGs`);
    const pngs = withMime(cellWith(cells, "page.chartDisplays(").outputs ?? [], "image/png");
    assertEquals(pngs.length, pngFiles);
    ok(pngs.every((png) => png.replace(/\s/g, "").startsWith("iVBORw0KGgo")), "PNG signature");
    assertEquals(withMime(outputsOf(cells), "image/svg+xml").length, 0);
    assertEquals(html.match(/<img src="data:image\/png;base64,iVBORw0KGgo/g)?.length, pngFiles);
    assertDollarsAsTyped(html, /MRR<\/td>\s*<td[^>]*>\$[\d,]+\.\d\d<\/td>/);
    ok(html.includes("(counted as $0)"), "the cost model's $0");
    // the written files' sizes in KB or MB, as the command line prints them
    const sizes = html.match(/<\/code> \(([^)]*)\)<\/li>/g) ?? [];
    ok(sizes.length >= written.length, `${sizes.length} sizes for ${written.length} files`);
    ok(sizes.every((size) => /\(\d+\.\d (KB|MB)\)/.test(size)), sizes.join(" "));
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("export.ipynb: the per-plan table says, as the brief does, which organizations were created inside the window", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "notebook_export_" });
  try {
    // the demo's organizations were created up to 2026-10-30: a 7-day window to 2026-11-01 has some
    const { cells, html } = await execute("export.ipynb", { PRICING_NOTEBOOK_OUT_DIR: outDir }, {
      parameters: [
        ["const windowDays = 30;", "const windowDays = 7;"],
        ["const asOf = new Date();", 'const asOf = new Date("2026-11-01");'],
      ],
    });
    assertNoErrors(cells);
    const csv = join(outDir, "helicone_pricing_data_2026-11-01_demo_7d.csv");
    const [header, ...rows] = parseCsv(await Deno.readTextFile(csv));
    const createdAt = header.indexOf("created_at");
    const inside = rows.filter((row) => row[createdAt] > "2026-10-25T00:00:00.000Z").length;
    assertEquals(inside, 4); // Harbor Bank 391, Granite Games 32, Blue AI 166, Kite Studio 140
    const line =
      "Partial month: 4 organizations were created inside the window (after its start, 2026-10-25)";
    const brief = await Deno.readTextFile(csv.replace(/\.csv$/, ".md"));
    ok(brief.includes(line), "the brief's line");
    const economics = withMime(
      cellWith(cells, "page.economicsDisplays(").outputs ?? [],
      "text/markdown",
    )
      .join("\n");
    assertEquals(economics.split(line).length - 1, 1, economics);
    ok(html.includes(line), "shared as HTML");
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("pricing_questions.ipynb answers all six questions: a table, a chart and a reading each", async () => {
  const { cells, html } = await execute("pricing_questions.ipynb", {});
  assertNoErrors(cells);
  const questions = [
    "q.underpricedCustomers(",
    "q.upgradeCandidates(",
    "q.churnRisk(",
    "q.pricingModelComparison(",
    "q.featureAdoption(",
    "q.ptbVsByok(",
  ];
  for (const marker of questions) {
    const outputs = cellWith(cells, marker).outputs ?? [];
    assertEquals(frameTables(outputs).length, 1);
    assertEquals(withMime(outputs, "image/png").length, 1, `${marker} chart`);
    const reading = withMime(outputs, "text/markdown");
    assertEquals(reading.length, 1, `${marker} reading`);
    // A sentence with numbers in it, computed from the data.
    ok(/^\*\*Reading:\*\* .*\d.*\.$/.test(reading[0]), reading[0]);
  }
  ok(withMime(outputsOf(cells), "text/markdown").some((m) => m.includes("**Demo data**")));
  // Shared as HTML, every chart is still there, as an image.
  assertEquals(html.match(/<img src="data:image\/png;base64,iVBORw0KGgo/g)?.length, 6);
  // … and every reading's amounts read $1,234
  const readings = html.match(/<strong>Reading:<\/strong>[^<]*/g) ?? [];
  assertEquals(readings.length, 6);
  assertDollarsAsTyped(html, /<strong>Reading:<\/strong> [^<]* \$\d[\d,]* of LLM cost/);
  // after the six, the brief's upgrade and churn section (against the history folder's snapshot a
  // month before, or saying there is none)
  const outlook = withMime(
    cellWith(cells, "outlookDisplays(source").outputs ?? [],
    "text/markdown",
  );
  assertEquals(outlook.length, 1);
  ok(/\nSigns of leaving: \d[\d,]* of \d[\d,]* paying organizations/.test(outlook[0]), outlook[0]);
  ok(html.includes("Signs of leaving: "));
});

Deno.test("pricing_questions.ipynb on an export file: its manifest's warnings and unmapped Stripe MRR, as text", async () => {
  const dir = await Deno.makeTempDir({ prefix: "notebook_manifest_" });
  try {
    const exported = await demoExportIn(dir);
    await withUnmappedCustomers(exported);
    const { cells, html } = await execute("pricing_questions.ipynb", {}, {
      parameters: [[
        "const csvPath: string | undefined = undefined;",
        `const csvPath = ${JSON.stringify(exported.csvPath)};`,
      ]],
    });
    assertNoErrors(cells);
    ok(html.includes("400 organizations from <strong>Demo data</strong>"), "the count");
    // the brief's line (code spans as <code>), once; the run's warning saying it again is left out
    ok(
      html.includes(
        "Not in these totals: 3 Stripe customers that no organization's <code>stripe_customer_id</code> names had MRR above $0 at the as-of: $1,234.50 a month of <code>mrr</code> ($1,000.00 of <code>mrr_recurring</code>)",
      ),
      "the unmapped line",
    );
    assertEquals(html.match(/Stripe customers that no organization/g)?.length, 1);
    ok(html.includes("infrastructure cost not set: <code>company_cost_30d</code>"), "a warning");
    // a warning quoting a name is text: no element made of it, no link
    ok(html.includes("&lt;img src=x onerror=alert(1)&gt; **B** [x](javascript:alert(2))"), "text");
    ok(!/<img src=x|href="javascript:/.test(html), "no element");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The fixtures' window: [2026-10-02, 2026-11-01), as the database tests read them. */
const FIXTURE_AS_OF: [string, string] = [
  "const asOf = new Date();",
  'const asOf = new Date("2026-11-01T00:00:00Z");',
];

Deno.test("both notebooks on live databases: live data named, password hidden, names as text", async () => {
  // organization B, free with 1 request in the window, is named <img src=x onerror=alert(1)> …
  const databases = await freshFixtureDatabases("notebooks", {
    postgres: ["postgres_schema.sql", "postgres_data.sql", "postgres_hostile_name.sql"],
    clickhouse: ["clickhouse_schema.sql", "clickhouse_data.sql"],
  });
  const outDir = await Deno.makeTempDir({ prefix: "notebook_live_" });
  try {
    const env: Record<string, string> = {
      ...databases.env as Record<string, string>,
      PRICING_NOTEBOOK_OUT_DIR: outDir,
    };
    const password = new URL(env.PRICING_PG_URL).password;
    const runs: [string, [string, string][], string][] = [
      ["export.ipynb", [FIXTURE_AS_OF], "**Live data**: PostgreSQL postgres://postgres:***@"],
      // B is an upgrade candidate from 1 request up
      [
        "pricing_questions.ipynb",
        [FIXTURE_AS_OF, ["upgradeMinRequests: 50_000", "upgradeMinRequests: 1"]],
        "5 organizations from live data",
      ],
    ];
    for (const [name, parameters, says] of runs) {
      const { cells, html } = await execute(name, env, { parameters });
      assertNoErrors(cells);
      const text = withMime(outputsOf(cells), "text/markdown").join("\n");
      ok(text.includes(says) && !text.includes("**Demo data**"), `${name}: ${text.slice(0, 300)}`);
      // what the numbers rest on is said where the data is loaded: no Stripe key, no revenue
      ok(/STRIPE_SECRET_KEY(<\/code>)? is not set: revenue columns are empty/.test(html), name);
      ok(password.length > 0 && !html.includes(password), `${name}: the password is not shown`);
      // the name is text in the HTML, in a table cell: no element made of it, no link
      ok(
        html.includes(">&lt;img src=x onerror=alert(1)&gt; **B** [x](javascript:alert(2))<"),
        name,
      );
      ok(!/<img src=x|href="javascript:/.test(html), name);
    }
  } finally {
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
});

/**
 * A bad parameter: the cell that uses it shows the UserError as one line (no stack into lib/), and
 * every later cell says in one line that it has nothing to show, never "ReferenceError: run is not
 * defined".
 */
async function assertStopsInOneLine(
  name: string,
  parameters: [string, string][],
  { error, stoppedCell, nothing }: { error: string; stoppedCell: string; nothing: string },
) {
  const { cells, html } = await execute(name, {}, { parameters });
  const errors = outputsOf(cells).filter((o) => o.output_type === "error") as (Output & {
    traceback: string[];
  })[];
  assertEquals(
    errors.map((e) => [e.ename, e.evalue, e.traceback]),
    [["UserError", error, [`UserError: ${error}`]]],
  );
  assertEquals(cellWith(cells, stoppedCell).outputs?.[0]?.output_type, "error");
  const code = cells.filter((c) => c.cell_type === "code");
  const later = code.slice(code.indexOf(cellWith(cells, stoppedCell)) + 1);
  ok(later.length >= 6, `${later.length} later cells`);
  for (const cell of later) {
    assertEquals(withMime(cell.outputs ?? [], "text/markdown"), [nothing], sourceOf(cell));
  }
  // shared as HTML: the one line, no stack, no cascade
  // nbconvert writes a quote in an error as &#34;
  const inHtml = (text: string) =>
    html.includes(
      text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
        .replaceAll('"', "&#34;"),
    );
  ok(inHtml(`UserError: ${error}`), "the error in the HTML");
  ok(!/ReferenceError|\bat .*(file:\/\/|&lt;anonymous&gt;|<anonymous>)/.test(html), "no stack");
}

Deno.test("export.ipynb: a bad parameter is one line; the stage cells say they have nothing", async () => {
  await assertStopsInOneLine(
    "export.ipynb",
    [["const windowDays = 30;", "const windowDays = 0;"]],
    {
      error: "windowDays (--days) must be a whole number from 1 to 3660, got 0",
      stoppedCell: "page.runExportPage(",
      nothing: "_Nothing to show: the export stopped at the error above (fix it, then run again)._",
    },
  );
});

Deno.test("pricing_questions.ipynb: a bad csvPath, windowDays or threshold is one line; the answers say they have no data", async () => {
  const nothing =
    "_Nothing to show: loading the data stopped at the error above (fix it, then run again)._";
  await assertStopsInOneLine(
    "pricing_questions.ipynb",
    [["const csvPath: string | undefined = undefined;", 'const csvPath = "../outputs/gone.csv";']],
    {
      error: "csvPath: ../outputs/gone.csv does not exist",
      stoppedCell: "loadQuestionsFrame(",
      nothing,
    },
  );
  await assertStopsInOneLine(
    "pricing_questions.ipynb",
    [["const windowDays = 30;", "const windowDays = 0;"]],
    {
      error: "windowDays (--days) must be a whole number from 1 to 3660, got 0",
      stoppedCell: "loadQuestionsFrame(",
      nothing,
    },
  );
  // a misspelled threshold was ignored (its default used); a bad one failed in every answer cell
  await assertStopsInOneLine(
    "pricing_questions.ipynb",
    [["underpricedMaxMrrUsd: 100,", "underpricedMaxMrr: 100,"]],
    {
      error:
        'thresholds has no "underpricedMaxMrr": did you mean underpricedMaxMrrUsd? (thresholds: underpricedMinRequests, underpricedMinLlmCostUsd, underpricedMaxMrrUsd, upgradeMinRequests, upgradeSeatPriceUsd, top)',
      stoppedCell: "loadQuestionsFrame(",
      nothing,
    },
  );
});
