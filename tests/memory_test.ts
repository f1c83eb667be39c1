/**
 * lib/core/memory.ts under --expose-gc (as the export and bench tasks run): once
 * collectDroppedFrames has resolved, a dropped frame's native memory has left the process (the
 * wrappers' finalisers run after gc() returns, on a later turn of the event loop).
 */
import { ok } from "node:assert/strict";

const CHILD = `
import pl from "nodejs-polars";
import { collectDroppedFrames } from "./lib/core/memory.ts";
const rssMb = () => Number(Deno.readTextFileSync("/proc/self/status").match(/VmRSS:\\s+(\\d+)/)[1]) / 1024;
let frame = pl.DataFrame({ i: Array.from({ length: 200_000 }, (_, i) => i) })
  .select(pl.concatString([pl.lit("org-"), pl.col("i").cast(pl.Utf8), pl.lit("-".repeat(200))], "").alias("s"))
  .select(pl.col("s").repeatBy(pl.lit(10)).explode());
const held = rssMb();
const rows = frame.height;
frame = null;
await collectDroppedFrames();
console.log(JSON.stringify({ rows, held, after: rssMb() }));
`;

Deno.test({
  name: "collectDroppedFrames: a dropped frame's memory leaves the process",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--v8-flags=--expose-gc", CHILD],
      cwd: new URL("..", import.meta.url),
      env: { NO_COLOR: "1" },
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    ok(output.success, stderr);
    const { rows, held, after } = JSON.parse(new TextDecoder().decode(output.stdout));
    ok(rows === 2_000_000, `${rows} rows`);
    // 2M strings of ~215 bytes: ~430 MB of text; most of it must be gone from the RSS
    ok(
      held - after > 300,
      `RSS ${held.toFixed(0)} MB with the frame, ${after.toFixed(0)} MB after`,
    );
  },
});
