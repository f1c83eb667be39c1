/**
 * Both notebooks run headless on the demo data with the Deno kernel (Debian's nbconvert), fail on
 * any cell error, and show what they promise (tables, SVG charts). They are committed without
 * outputs.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";

const NOTEBOOKS = new URL("../notebooks/", import.meta.url).pathname;

interface Cell {
  cell_type: string;
  metadata: { tags?: string[] };
  outputs?: { output_type: string; data?: Record<string, unknown>; ename?: string }[];
}

async function ensureKernel() {
  const home = Deno.env.get("HOME") ?? "/root";
  try {
    Deno.statSync(`${home}/.local/share/jupyter/kernels/deno/kernel.json`);
  } catch {
    await new Deno.Command(Deno.execPath(), { args: ["jupyter", "--install", "--force"] }).output();
  }
}

async function execute(name: string): Promise<Cell[]> {
  await ensureKernel();
  const out = await Deno.makeTempDir();
  const output = await new Deno.Command("/usr/bin/python3", {
    args: [
      "-m",
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      `${NOTEBOOKS}${name}`,
      "--output-dir",
      out,
      "--output",
      name,
      "--ExecutePreprocessor.timeout=300",
    ],
    cwd: NOTEBOOKS,
    // demo data: no database settings reach the kernel
    env: { NO_COLOR: "1", PRICING_PG_URL: "", PRICING_CH_URL: "" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  if (!output.success) {
    throw new Error(`${name} failed:\n${stderr.split("\n").slice(-25).join("\n")}`);
  }
  const cells = JSON.parse(await Deno.readTextFile(`${out}/${name}`)).cells as Cell[];
  await Deno.remove(out, { recursive: true });
  return cells;
}

const outputsOf = (cells: Cell[]) => cells.flatMap((c) => c.outputs ?? []);
const withMime = (cells: Cell[], mime: string) =>
  outputsOf(cells).filter((o) => o.data?.[mime]).length;

Deno.test("export.ipynb runs on demo data: query tables, four charts, files written", async () => {
  const cells = await execute("export.ipynb");
  assertEquals(outputsOf(cells).filter((o) => o.output_type === "error").length, 0);
  ok(withMime(cells, "text/html") >= 6, "tables for four queries, the join and the metrics");
  assertEquals(withMime(cells, "image/svg+xml"), 4);
  const text = JSON.stringify(cells);
  ok(text.includes("Demo data"));
  ok(text.includes("helicone_pricing_data_"), "lists the files written");
});

Deno.test("pricing_questions.ipynb answers all six questions with a table, a chart and a reading", async () => {
  const cells = await execute("pricing_questions.ipynb");
  assertEquals(outputsOf(cells).filter((o) => o.output_type === "error").length, 0);
  assertEquals(withMime(cells, "image/svg+xml"), 6);
  ok(withMime(cells, "text/html") >= 6);
  const readings = outputsOf(cells).filter((o) =>
    String(o.data?.["text/markdown"] ?? "").startsWith("**Reading:**")
  );
  assertEquals(readings.length, 6);
});

Deno.test("notebooks are committed with outputs cleared and a tagged parameters cell", async () => {
  for (const name of ["export.ipynb", "pricing_questions.ipynb"]) {
    const notebook = JSON.parse(await Deno.readTextFile(`${NOTEBOOKS}${name}`));
    assertEquals(notebook.metadata.kernelspec.name, "deno");
    const code = (notebook.cells as Cell[]).filter((c) => c.cell_type === "code");
    assertEquals(code.filter((c) => (c.outputs ?? []).length > 0).length, 0, `${name} has outputs`);
    ok(code.some((c) => c.metadata.tags?.includes("parameters")), `${name} parameters cell`);
  }
});
