/**
 * Query results spooled to temporary files (lib/sources/spool.ts): the bytes arrive whole and in
 * order, the folder is gone afterwards whether the work succeeded or failed, and a file that
 * cannot be written is one line naming TMPDIR after the source was read to its end.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { Buffer } from "node:buffer";
import { UserError } from "../lib/core/config.ts";
import { spool, withSpoolFile } from "../lib/sources/spool.ts";

async function* chunks(parts: string[], read: { count: number }) {
  for (const part of parts) {
    read.count++;
    yield new TextEncoder().encode(part);
  }
}

Deno.test("spool: every chunk in order; the folder is removed after the work", async () => {
  let seen = "";
  const read = { count: 0 };
  const text = await withSpoolFile(async (path) => {
    seen = path;
    await spool(chunks(["org_id,n\n", "a,1\n", "ü,2\n"], read), path);
    return await Deno.readTextFile(path);
  });
  assertEquals(text, "org_id,n\na,1\nü,2\n");
  assertEquals(read.count, 3);
  ok(seen !== "" && !existsSync(dirname(seen)), "the temporary folder is gone");
});

Deno.test("spool: the same bytes in order, however the chunks fall across its gathered writes (and around a chunk larger than one)", async () => {
  // 3,000 chunks of 1,000 bytes (about three gathered writes), one chunk of 2.5 MB in between
  const pattern = (n: number, seed: number) =>
    Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) % 251);
  const parts = [
    ...Array.from({ length: 1500 }, (_, i) => pattern(1000, i)),
    pattern(2_500_000, 3),
    ...Array.from({ length: 1500 }, (_, i) => pattern(1000, i + 9)),
  ];
  async function* source() {
    for (const part of parts) yield part;
  }
  const written = await withSpoolFile(async (path) => {
    await spool(source(), path);
    return await Deno.readFile(path);
  });
  const expected = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    expected.set(part, at);
    at += part.length;
  }
  assertEquals(written.length, 5_500_000);
  ok(Buffer.from(written).equals(Buffer.from(expected)), "the spooled bytes differ");
});

Deno.test("spool: the folder is removed when the work fails", async () => {
  let seen = "";
  await rejects(
    withSpoolFile(async (path) => {
      seen = path;
      await Deno.writeTextFile(path, "partial");
      throw new Error("query failed mid-body");
    }),
    /query failed mid-body/,
  );
  ok(seen !== "" && !existsSync(dirname(seen)), "the temporary folder is gone");
});

Deno.test("spool: a file that cannot be written is one line naming TMPDIR; the source is read to its end", async () => {
  const read = { count: 0 };
  const dir = await Deno.makeTempDir();
  try {
    await rejects(spool(chunks(["a\n", "b\n", "c\n"], read), `${dir}/missing/result.csv`), (e) => {
      ok(e instanceof UserError);
      assertEquals(e.message.split("\n").length, 1);
      ok(
        e.message ===
          `cannot write a query result in the temporary folder ${dir}/missing (no such folder); ` +
            "point TMPDIR to a writable folder with room",
        e.message,
      );
      return true;
    });
    assertEquals(read.count, 3); // PostgreSQL's COPY ran to its end, so the connection can roll back
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("spool: a Node stream that fails while the file is being opened rejects spool, nothing uncaught", async () => {
  const { Readable } = await import("node:stream");
  const source = new Readable({ read() {} });
  await withSpoolFile(async (path) => {
    const spooled = spool(source, path);
    // destroyed on the next tick, before Deno.open has answered: its 'error' is emitted then
    process.nextTick(() => source.destroy(new Error("socket hang up")));
    await rejects(spooled, /socket hang up/);
  });
});
