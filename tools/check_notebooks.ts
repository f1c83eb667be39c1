/**
 * Keeps the committed notebooks clean: no outputs or execution counts (they would carry data, and
 * every run would show up as a diff), the Deno kernel, a parameters cell, and a stable id on every
 * cell (nbformat 4.5; without one nbconvert warns on every run and makes one up each time).
 *
 *   deno run --allow-read tools/check_notebooks.ts          # check notebooks/*.ipynb, exit 1 on a problem
 *   deno run --allow-read --allow-write tools/check_notebooks.ts --fix   # clear outputs in place
 *
 * tests/check_notebooks_test.ts runs the check, so CI fails on a notebook committed with outputs.
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
  const withoutId = notebook.cells.filter((c) => !validId(c.id)).length;
  if (withoutId > 0) problems.push(`${withoutId} cells have no id`);
  const ids = notebook.cells.map((c) => c.id).filter(validId);
  const repeated = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
  if (repeated.length > 0) problems.push(`cell ids used twice: ${repeated.join(", ")}`);
  return problems;
}

/** nbformat 4.5's cell id: 1–64 letters, digits, `-` or `_`. */
function validId(id: unknown): id is string {
  return typeof id === "string" && /^[a-zA-Z0-9_-]{1,64}$/.test(id);
}

/**
 * The notebook with outputs, execution counts and widget state removed, and an id given to each
 * cell without a valid one (random, as Jupyter makes them; kept from then on).
 */
export function clearedNotebook(notebook: Notebook): Notebook {
  const { widgets: _widgets, ...metadata } = notebook.metadata;
  const taken = new Set<unknown>();
  return {
    ...notebook,
    metadata,
    cells: notebook.cells.map((c) => {
      const keep = validId(c.id) && !taken.has(c.id);
      const id = keep ? c.id : crypto.randomUUID().replaceAll("-", "").slice(0, 8);
      taken.add(id);
      return c.cell_type === "code"
        ? { ...c, id, outputs: [], execution_count: null }
        : { ...c, id };
    }),
  };
}

export function notebookPaths(dir = NOTEBOOKS_DIR): string[] {
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && e.name.endsWith(".ipynb"))
    .map((e) => join(dir, e.name))
    .sort();
}

const HELP = `Usage: deno run --allow-read tools/check_notebooks.ts [--fix]
       deno task notebooks:clear

Checks notebooks/*.ipynb as committed: the Deno kernel, a cell tagged "parameters", an id on every
cell (each once), no outputs, execution counts or widget state. Exit 1 on a problem.

Options:
  --fix        clear outputs, execution counts and widget state, give cells without an id one, in
               place (deno task notebooks:clear)
  -h, --help   show this help
`;

/** Checks (and with `--fix` clears) the notebooks; returns the exit code. Errors are one line. */
export async function main(args: string[], dir = NOTEBOOKS_DIR): Promise<number> {
  let fix: boolean;
  try {
    const { values } = parseArgs({
      args,
      options: { fix: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    fix = !!values.fix;
  } catch (error) {
    console.error(`error: ${(error as Error).message.split("\n")[0]} (see --help)`);
    return 1;
  }
  let failed = false;
  for (const path of notebookPaths(dir)) {
    let notebook: Notebook;
    try {
      notebook = JSON.parse(await Deno.readTextFile(path)) as Notebook;
    } catch (error) {
      console.error(
        `error: ${basename(path)} is not a readable notebook (${
          (error as Error).message.split("\n")[0]
        }); restore it from git`,
      );
      return 1;
    }
    const problems = notebookProblems(notebook);
    if (fix && problems.some((p) => /outputs|execution counts|widget|id/.test(p))) {
      // Jupyter's own layout: one-space indent, trailing newline.
      await Deno.writeTextFile(path, JSON.stringify(clearedNotebook(notebook), null, 1) + "\n");
      console.log(`${basename(path)}: cleared`);
    }
    const left = notebookProblems(
      fix ? JSON.parse(await Deno.readTextFile(path)) as Notebook : notebook,
    );
    for (const problem of left) console.error(`${basename(path)}: ${problem}`);
    failed ||= left.length > 0;
  }
  if (failed) {
    console.error("fix: deno run --allow-read --allow-write tools/check_notebooks.ts --fix");
    return 1;
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
