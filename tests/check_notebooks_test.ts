/**
 * The notebooks are committed clean (tools/check_notebooks.ts): the check finds outputs,
 * execution counts, widget state and missing ids, clears them, and `notebooks:clear` answers a bad
 * flag or notebook in one line.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import {
  clearedNotebook,
  main as checkNotebooksMain,
  type Notebook,
  notebookPaths,
  notebookProblems,
  NOTEBOOKS_DIR,
} from "../tools/check_notebooks.ts";

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
    "2 cells have no id",
  ]);
  const cleared = clearedNotebook(dirty);
  assertEquals(notebookProblems(cleared), []);
  const ids = cleared.cells.map((c) => c.id as string);
  ok(ids.every((id) => /^[0-9a-f]{8}$/.test(id)) && ids[0] !== ids[1], ids.join(", "));
  // ids kept once given; one used twice is a problem, and the second copy gets a new one
  assertEquals(clearedNotebook(cleared).cells.map((c) => c.id), ids);
  const twice: Notebook = {
    ...cleared,
    cells: cleared.cells.map((c) => ({ ...c, id: "same" })),
  };
  assertEquals(notebookProblems(twice), ["cell ids used twice: same"]);
  assertEquals(clearedNotebook(twice).cells[0].id, "same");
  assertEquals(notebookProblems(clearedNotebook(twice)), []);
  assertEquals(
    notebookProblems({ metadata: { kernelspec: { name: "python3" } }, cells: [] }),
    ['kernel is "python3", expected "deno"', 'no code cell is tagged "parameters"'],
  );
});

Deno.test("notebooks:clear --help prints its help; a bad flag or notebook is one line, exit 1", async () => {
  const dir = await Deno.makeTempDir();
  const printed: string[] = [];
  const errors: string[] = [];
  const { log, error } = console;
  console.log = (line: string) => printed.push(line);
  console.error = (line: string) => errors.push(line);
  try {
    await Deno.writeTextFile(join(dir, "broken.ipynb"), "{ not json");
    assertEquals(await checkNotebooksMain(["--fix", "--help"], dir), 0);
    ok(printed[0].startsWith("Usage: deno run --allow-read tools/check_notebooks.ts [--fix]"));
    assertEquals(await checkNotebooksMain(["--fix", "--frobnicate"], dir), 1);
    assertEquals(await checkNotebooksMain(["--fix"], dir), 1);
    assertEquals(errors.length, 2, errors.join("\n"));
    assertEquals(errors[0], "error: Unknown option '--frobnicate' (see --help)");
    ok(errors[1].startsWith("error: broken.ipynb is not a readable notebook ("), errors[1]);
    assertEquals(await Deno.readTextFile(join(dir, "broken.ipynb")), "{ not json");
  } finally {
    console.log = log;
    console.error = error;
    await Deno.remove(dir, { recursive: true });
  }
});
