/**
 * lib/formats/digest_worker.ts: the worker's digests are fileDigest's, a file it cannot read is
 * left out (never a rejection), and the manifest takes what it was given and hashes the rest.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { createHash } from "node:crypto";
import { digestOffThread } from "../lib/formats/digest_worker.ts";
import { fileDigest } from "../lib/formats/files.ts";

Deno.test("digests made in a worker: fileDigest's, a missing file left out", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const text = "org_id,org_name\r\na,Acme\r\n";
    await Deno.writeTextFile(`${dir}/export.csv`, text);
    // larger than fileDigest's 1 MiB chunk: read in several
    const large = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => i % 251);
    await Deno.writeFile(`${dir}/large.bin`, large);
    const paths = [`${dir}/export.csv`, `${dir}/large.bin`, `${dir}/gone.csv`];
    const digests = await digestOffThread(paths);
    assertEquals([...digests.keys()], paths.slice(0, 2));
    // by hand: the bytes' SHA-256
    assertEquals(digests.get(`${dir}/export.csv`), {
      bytes: text.length,
      sha256: createHash("sha256").update(text).digest("hex"),
    });
    assertEquals(digests.get(`${dir}/large.bin`), await fileDigest(`${dir}/large.bin`));
    assertEquals(
      digests.get(`${dir}/large.bin`)!.sha256,
      createHash("sha256").update(large).digest("hex"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
