/**
 * The ZIP writer behind every XLSX (lib/formats/zip.ts): an archive it writes reads back entry for
 * entry, and a stream that fails between its writes (a full disk: the file stream's error comes
 * while the writer builds the next piece, and the stream is destroyed) fails the archive with that
 * error: a destroyed stream never drains, and waiting for its drain hung the export.
 */
import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { Writable } from "node:stream";
import {
  dosTimeOf,
  entryBytes,
  readZipEntries,
  whenDrained,
  ZipWriter,
} from "../lib/formats/zip.ts";

const TIME = { dosTime: 0, dosDate: 0x21 }; // 1980-01-01

/** A stream into memory; `fail(error)` destroys it with `error`, as a disk error does. */
function memoryStream() {
  const parts: Uint8Array[] = [];
  const stream = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Uint8Array, _encoding, callback) {
      parts.push(new Uint8Array(chunk));
      callback();
    },
  });
  // (the XLSX file stream keeps the listener its open was awaited with: the error is heard, and
  // no one is told of it but the next write)
  const heard: Error[] = [];
  stream.on("error", (error) => heard.push(error));
  return {
    stream,
    heard,
    bytes: () => new Uint8Array(parts.flatMap((part) => [...part])),
    fail: (error: Error) => stream.destroy(error),
  };
}

const diskFull = () =>
  Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" });

Deno.test("an archive of a stored and a deflated entry reads back entry for entry", async () => {
  const out = memoryStream();
  const zip = new ZipWriter(out.stream);
  await zip.store("a.png", new Uint8Array([1, 2, 3]), TIME);
  await zip.deflate("b.xml", ["<b>", "x".repeat(100_000), "</b>"], TIME);
  await zip.finish();
  out.stream.end();
  const entries = readZipEntries(out.bytes());
  assertEquals(entries.map((e) => e.name), ["a.png", "b.xml"]);
  assertEquals([...entryBytes(entries[0])], [1, 2, 3]);
  assertEquals(new TextDecoder().decode(entryBytes(entries[1])), `<b>${"x".repeat(100_000)}</b>`);
});

Deno.test("a stream that failed after the last write (its error heard, not by the writer): the next entry and the end fail with its error", async () => {
  const out = memoryStream();
  const zip = new ZipWriter(out.stream);
  await zip.store("a.png", new Uint8Array(10), TIME);
  const failure = diskFull();
  const closed = new Promise((resolve) => out.stream.once("close", resolve));
  out.fail(failure);
  await closed; // its 'error' came and went while the writer waited for nothing
  assertEquals(out.heard, [failure]);
  await rejects(zip.store("b.png", new Uint8Array(10), TIME), failure);
  await rejects(zip.finish(), failure);
});

Deno.test("whenDrained: a drain resolves; an error, or a close before the drain, rejects", async () => {
  const stalled = () => {
    let release = () => {};
    const stream = new Writable({
      highWaterMark: 1,
      write(_chunk, _encoding, callback) {
        release = callback;
      },
    });
    stream.on("error", () => {});
    stream.write(new Uint8Array(2)); // over the mark: the drain comes once the write completes
    return { stream, release: () => release() };
  };
  const draining = stalled();
  const drained = whenDrained(draining.stream);
  draining.release();
  await drained;

  const failing = stalled();
  const failure = diskFull();
  const failed = whenDrained(failing.stream);
  failing.stream.destroy(failure);
  await rejects(failed, failure);
  await rejects(whenDrained(failing.stream), failure); // and after, at once

  const closing = stalled();
  const closed = whenDrained(closing.stream);
  closing.stream.destroy();
  await rejects(closed, /closed before everything was written/);
});

Deno.test("an entry's time is the instant's in UTC, in 2-second steps; before 1980 it is 1980-01-01", () => {
  // 2026-11-01: (2026 − 1980) << 9 | 11 << 5 | 1 = 23552 + 352 + 1
  assertEquals(dosTimeOf(new Date("2026-11-01T00:00:00Z")), { dosTime: 0, dosDate: 23905 });
  // 23:59:59 → 23 << 11 | 59 << 5 | 59 >> 1 = 47104 + 1888 + 29; 2026-10-31: 23552 + 320 + 31
  assertEquals(dosTimeOf(new Date("2026-10-31T23:59:59Z")), { dosTime: 49021, dosDate: 23903 });
  assertEquals(dosTimeOf(new Date(0)), TIME);
});

Deno.test("an entry's time is the same in every time zone the process runs in (ZIP's time names none)", async () => {
  // the process's zone is read once at its start: another process in each, 14 h ahead and 7 behind
  const code = `import { dosTimeOf } from "${new URL("../lib/formats/zip.ts", import.meta.url)}";
    console.log(JSON.stringify(dosTimeOf(new Date("2026-10-31T23:59:59Z"))));`;
  for (const zone of ["Pacific/Kiritimati", "America/Los_Angeles"]) {
    const { stdout, success } = await new Deno.Command(Deno.execPath(), {
      args: ["eval", code],
      env: { TZ: zone },
      stderr: "inherit",
    }).output();
    assertEquals(success, true, zone);
    assertEquals(JSON.parse(new TextDecoder().decode(stdout)), { dosTime: 49021, dosDate: 23903 });
  }
});
