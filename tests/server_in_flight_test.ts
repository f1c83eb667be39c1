/**
 * A stop's wait for downloads (lib/server/in_flight.ts, guardedBody in lib/server/stream.ts):
 * a download whose client has not taken its piece for the bound is closed, one waiting on the
 * server for its next chunk is not, and a big chunk is handed out in pieces. In process, the
 * clients being the test's own reads.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { type Download, InFlight } from "../lib/server/in_flight.ts";
import { type BodyEnd, guardedBody, PIECE_BYTES } from "../lib/server/stream.ts";
import { waitFor } from "./slow_queries.ts";

/** A source of `chunks`, each made only once `ready` resolves for it (the server's own wait). */
function source(chunks: { bytes: number; ready?: Promise<void> }[]): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = chunks[next++];
      if (!chunk) return controller.close();
      await chunk.ready;
      controller.enqueue(new Uint8Array(chunk.bytes).fill(next));
    },
  }, { highWaterMark: 0 });
}

Deno.test("a stop closes the download whose client took nothing for the bound, not one waiting on the server, and sends that one whole", async () => {
  const inFlight = new InFlight();
  const ends = new Map<string, BodyEnd>();
  const body = (name: string, chunks: Parameters<typeof source>[0]) => {
    const release = inFlight.hold();
    return guardedBody(source(chunks), {
      onEnd: (end) => {
        ends.set(name, end);
        release();
      },
      name,
      watch: (download) => inFlight.watch(download),
    });
  };
  // "stalled.csv": its client takes the first piece of a 1 MiB chunk and nothing more
  const stalled = (await body("stalled.csv", [{ bytes: 1 << 20 }])).getReader();
  assertEquals((await stalled.read()).value?.byteLength, PIECE_BYTES);
  // "waiting.csv": its client asks for the second chunk, which the server has not made yet
  let made = () => {};
  const ready = new Promise<void>((resolve) => made = resolve);
  const waiting = (await body("waiting.csv", [{ bytes: 10 }, { bytes: 200 * 1024, ready }]))
    .getReader();
  assertEquals((await waiting.read()).value?.byteLength, 10);
  const second = waiting.read();

  const closed: Download[] = [];
  const idle = inFlight.idle({ ms: 50, onClosed: (download) => closed.push(download) });
  await waitFor("the stalled download to be closed", () => ends.has("stalled.csv"));
  assertEquals(closed.map((download) => download.name), ["stalled.csv"]);
  assertEquals(ends.get("stalled.csv"), { bytes: PIECE_BYTES, outcome: "stalled" });
  // its client gets an error, never the end of a file that looks whole
  await rejects(stalled.read(), /closed while stopping/);

  // the other one is the server's wait: it goes on once its chunk is made, in pieces
  ok(!ends.has("waiting.csv"));
  made();
  const pieces = [(await second).value!.byteLength];
  for (let next = await waiting.read(); !next.done; next = await waiting.read()) {
    pieces.push(next.value.byteLength);
  }
  assertEquals(pieces, [PIECE_BYTES, PIECE_BYTES, PIECE_BYTES, 200 * 1024 - 3 * PIECE_BYTES]);
  assertEquals(ends.get("waiting.csv"), { bytes: 10 + 200 * 1024, outcome: "done" });
  await idle;
  assertEquals(closed.length, 1);
});
