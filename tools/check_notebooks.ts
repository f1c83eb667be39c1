/**
 * Keeps the committed notebooks clean: no outputs or execution counts (they would carry data, and
 * every run would show up as a diff), the Deno kernel, and a parameters cell.
 *
 *   deno run --allow-read tools/check_notebooks.ts          # check notebooks/*.ipynb, exit 1 on a problem
 *   deno run --allow-read --allow-write tools/check_notebooks.ts --fix   # clear outputs in place
 *
 * tests/notebooks_test.ts runs the check, so CI fails on a notebook committed with outputs.
 */
import { parseArgs } from "node:util";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

export const NOTEBOOKS_DIR = fileURLToPath(new URL("../notebooks/", import.meta.url));

export interface NotebookCell {
  cell_type: string;
  metadata: { tags?: string[]; [key: string]: unknown };
  source: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
  [key: string]: unknown;
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: { kernelspec?: { name?: string }; [key: string]: unknown };
  [key: string]: unknown;
}

/** What is wrong with a notebook as committed (empty when it is clean). */
export function notebookProblems(notebook: Notebook): string[] {
  const problems: string[] = [];
  if (notebook.metadata.kernelspec?.name !== "deno") {
    problems.push(
      `kernel is ${JSON.stringify(notebook.metadata.kernelspec?.name)}, expected "deno"`,
    );
  }
  const code = notebook.cells.filter((c) => c.cell_type === "code");
  const withOutputs = code.filter((c) => (c.outputs ?? []).length > 0).length;
  if (withOutputs > 0) problems.push(`${withOutputs} code cells have outputs`);
  const counted = code.filter((c) => c.execution_count !== null && c.execution_count !== undefined)
    .length;
  if (counted > 0) problems.push(`${counted} code cells have execution counts`);
  if (!code.some((c) => c.metadata.tags?.includes("parameters"))) {
    problems.push('no code cell is tagged "parameters"');
  }
  if ("widgets" in notebook.metadata) problems.push("metadata holds widget state");
  return problems;
}

/** The notebook with outputs, execution counts and widget state removed. */
export function clearedNotebook(notebook: Notebook): Notebook {
  const { widgets: _widgets, ...metadata } = notebook.metadata;
  return {
    ...notebook,
    metadata,
    cells: notebook.cells.map((c) =>
      c.cell_type === "code" ? { ...c, outputs: [], execution_count: null } : c
    ),
  };
}

export function notebookPaths(dir = NOTEBOOKS_DIR): string[] {
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && e.name.endsWith(".ipynb"))
    .map((e) => join(dir, e.name))
    .sort();
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { fix: { type: "boolean" } } });
  let failed = false;
  for (const path of notebookPaths()) {
    const notebook = JSON.parse(await Deno.readTextFile(path)) as Notebook;
    const problems = notebookProblems(notebook);
    if (values.fix && problems.some((p) => /outputs|execution counts|widget/.test(p))) {
      // Jupyter's own layout: one-space indent, trailing newline.
      await Deno.writeTextFile(path, JSON.stringify(clearedNotebook(notebook), null, 1) + "\n");
      console.log(`${basename(path)}: outputs cleared`);
    }
    const left = notebookProblems(
      values.fix ? JSON.parse(await Deno.readTextFile(path)) as Notebook : notebook,
    );
    for (const problem of left) console.error(`${basename(path)}: ${problem}`);
    failed ||= left.length > 0;
  }
  if (failed) {
    console.error("fix: deno run --allow-read --allow-write tools/check_notebooks.ts --fix");
    Deno.exit(1);
  }
}
