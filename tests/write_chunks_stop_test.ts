/**
 * writeChunksFile's signal (a command's Ctrl-C or SIGTERM): checked between chunks, so a long file
 * made as it is written (compare's per-organization rows) stops at the next chunk, with the
 * signal's reason as its error, nothing at the path and no temporary file left.
 */
import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { join } from "node:path";
import { writeChunksFile } from "../lib/formats/csv.ts";

Deno.test("writeChunksFile stops at the chunk after its signal aborts: no file, no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const controller = new AbortController();
    const reason = new Error("interrupted (SIGINT)");
    const made: number[] = [];
    // the stop comes while the second chunk is made (as a signal during a slice's join)
    const chunks = function* (): Generator<string> {
      for (let i = 0; i < 5; i++) {
        made.push(i);
        if (i === 1) controller.abort(reason);
        yield `row ${i}\n`;
      }
    };
    const path = join(dir, "per_org.csv");
    await rejects(writeChunksFile(chunks(), path, { signal: controller.signal }), (error) => {
      assertEquals(error, reason);
      return true;
    });
    // the chunk made as the stop came is the last one asked for
    assertEquals(made, [0, 1]);
    assertEquals([...Deno.readDirSync(dir)], [], "no file and no temporary file");
    // without a stop, every chunk is written
    assertEquals(
      await writeChunksFile(["a\n", "b\n"], path, { signal: new AbortController().signal }),
      4,
    );
    assertEquals(await Deno.readTextFile(path), "a\nb\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
