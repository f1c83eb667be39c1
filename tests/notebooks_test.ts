/**
 * Both notebooks run headless on the demo data with the Deno kernel (Debian's nbconvert), fail on
 * any cell error, and show what they promise: tables, SVG charts, readings, files. And they are
 * committed clean (tools/check_notebooks.ts).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { parseCsv } from "../lib/formats/csv_parse.ts";
import {
  clearedNotebook,
  type Notebook,
  notebookPaths,
  notebookProblems,
  NOTEBOOKS_DIR,
} from "../tools/check_notebooks.ts";

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

/** Executes a notebook into a temp dir (nbconvert) and returns its cells with outputs. */
async function execute(name: string, env: Record<string, string>): Promise<ExecutedCell[]> {
  await ensureJupyter();
  const out = await Deno.makeTempDir({ prefix: "notebook_run_" });
  try {
    const result = await new Deno.Command(PYTHON, {
      args: [
        "-m",
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        join(NOTEBOOKS_DIR, name),
        "--output-dir",
        out,
        "--output",
        name,
        "--ExecutePreprocessor.timeout=300",
        "--ExecutePreprocessor.startup_timeout=120",
      ],
      cwd: NOTEBOOKS_DIR,
      // Empty database settings override any ../.env: the notebooks must run on demo data.
      env: { NO_COLOR: "1", PRICING_PG_URL: "", PRICING_CH_URL: "", ...env },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!result.success) {
      const log = decoder.decode(result.stderr).split("\n").slice(-30).join("\n");
      throw new Error(`${name} failed to execute:\n${log}`);
    }
    return JSON.parse(await Deno.readTextFile(join(out, name))).cells as ExecutedCell[];
  } finally {
    await Deno.remove(out, { recursive: true });
  }
}

const sourceOf = (cell: ExecutedCell) =>
  Array.isArray(cell.source) ? cell.source.join("") : cell.source;
const outputsOf = (cells: ExecutedCell[]) => cells.flatMap((c) => c.outputs ?? []);
const withMime = (outputs: Output[], mime: string) =>
  outputs.map((o) => o.data?.[mime]).filter((d) => d !== undefined).map((d) =>
    Array.isArray(d) ? d.join("") : String(d)
  );
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

Deno.test("export.ipynb runs on demo data: query tables, join, revenue, metrics, charts, files", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "notebook_export_" });
  try {
    const cells = await execute("export.ipynb", { PRICING_NOTEBOOK_OUT_DIR: outDir });
    assertNoErrors(cells);
    const markdownText = withMime(outputsOf(cells), "text/markdown").join("\n");
    ok(markdownText.includes("**Demo data**"), "says the data is synthetic");

    const tables = (marker: string) =>
      withMime(cellWith(cells, marker).outputs ?? [], "text/html").filter((h) =>
        h.includes("<table")
      ).length;
    assertEquals(tables("Object.entries(results.frames)"), 4); // organizations, prompts, usage, PTB
    assertEquals(tables("joinOrgFrames("), 1);
    assertEquals(tables("attachRevenue("), 1);
    assertEquals(tables("addMetricColumns("), 1);

    const svgs = withMime(outputsOf(cells), "image/svg+xml");
    assertEquals(svgs.length, 5); // pricingCharts: margin ×2, requests vs cost, usage, cost & MRR
    ok(svgs.every((svg) => svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')));

    // The files cell listed what it wrote, and it is there: CSV, XLSX, manifest, 5 × SVG + PNG.
    const written = [...Deno.readDirSync(outDir)].map((e) => e.name).sort();
    const csv = written.find((n) => /^helicone_pricing_data_\d{4}-\d{2}-\d{2}_demo\.csv$/.test(n));
    ok(csv, `CSV among ${written}`);
    ok(written.includes(csv.replace(/\.csv$/, ".xlsx")));
    ok(written.includes(csv.replace(/\.csv$/, ".manifest.json")), `manifest among ${written}`);
    assertEquals(written.filter((n) => n.endsWith(".png")).length, 5);
    assertEquals(written.filter((n) => n.endsWith(".svg")).length, 5);
    ok(markdownText.includes(csv), "the files cell names the CSV");

    const manifest = JSON.parse(
      await Deno.readTextFile(join(outDir, csv.replace(/\.csv$/, ".manifest.json"))),
    );
    const rows = parseCsv(await Deno.readTextFile(join(outDir, csv))).length - 1;
    assertEquals(manifest.row_count, rows);
    assertEquals(manifest.demo, true);
    assertEquals(manifest.files.length, 2 + 10); // CSV, XLSX, charts
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("pricing_questions.ipynb answers all six questions: a table, a chart and a reading each", async () => {
  const cells = await execute("pricing_questions.ipynb", {});
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
    assertEquals(withMime(outputs, "text/html").filter((h) => h.includes("<table")).length, 1);
    assertEquals(withMime(outputs, "image/svg+xml").length, 1, `${marker} chart`);
    const reading = withMime(outputs, "text/markdown");
    assertEquals(reading.length, 1, `${marker} reading`);
    // A sentence with numbers in it, computed from the data.
    ok(/^\*\*Reading:\*\* .*\d.*\.$/.test(reading[0]), reading[0]);
  }
  ok(withMime(outputsOf(cells), "text/markdown").some((m) => m.includes("**Demo data**")));
});

Deno.test("notebooks are committed clean: Deno kernel, a parameters cell, no outputs", async () => {
  const paths = notebookPaths();
  assertEquals(paths.map((p) => p.slice(NOTEBOOKS_DIR.length)), [
    "export.ipynb",
    "pricing_questions.ipynb",
  ]);
  for (const path of paths) {
    const notebook = JSON.parse(await Deno.readTextFile(path)) as Notebook;
    assertEquals(notebookProblems(notebook), [], path);
  }
});

Deno.test("the notebook check finds outputs and clears them", () => {
  const dirty: Notebook = {
    metadata: { kernelspec: { name: "deno" }, widgets: {} },
    cells: [
      { cell_type: "markdown", metadata: {}, source: "# t" },
      {
        cell_type: "code",
        metadata: { tags: ["parameters"] },
        source: "const a = 1;",
        outputs: [{ output_type: "stream", text: "x" }],
        execution_count: 3,
      },
    ],
  };
  assertEquals(notebookProblems(dirty), [
    "1 code cells have outputs",
    "1 code cells have execution counts",
    "metadata holds widget state",
  ]);
  assertEquals(notebookProblems(clearedNotebook(dirty)), []);
  assertEquals(
    notebookProblems({ metadata: { kernelspec: { name: "python3" } }, cells: [] }),
    ['kernel is "python3", expected "deno"', 'no code cell is tagged "parameters"'],
  );
});
