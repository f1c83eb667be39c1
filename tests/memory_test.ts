/**
 * lib/core/memory.ts under --expose-gc (as the export and bench tasks run) and without it (a
 * notebook's kernel, a plain `deno run`: the collector is made at run time): once
 * collectDroppedFrames has resolved, a dropped frame's native memory has left the process (the
 * wrappers' finalisers run after gc() returns, on a later turn of the event loop).
 */
import { ok } from "node:assert/strict";

const CHILD = `
import pl from "nodejs-polars";
import { COLLECT_ABOVE_ROWS, collectDroppedFrames } from "./lib/core/memory.ts";
const rssMb = () => Number(Deno.readTextFileSync("/proc/self/status").match(/VmRSS:\\s+(\\d+)/)[1]) / 1024;
let frame = pl.DataFrame({ i: Array.from({ length: 200_000 }, (_, i) => i) })
  .select(pl.concatString([pl.lit("org-"), pl.col("i").cast(pl.Utf8), pl.lit("-".repeat(200))], "").alias("s"))
  .select(pl.col("s").repeatBy(pl.lit(10)).explode());
const held = rssMb();
const rows = frame.height;
frame = null;
const told = Deno.args[0]; // "none", "small" or "large": the rows told to collectDroppedFrames
await collectDroppedFrames(
  told === "none" ? {} : { rows: told === "small" ? COLLECT_ABOVE_ROWS : COLLECT_ABOVE_ROWS + 1 },
);
console.log(JSON.stringify({ rows, held, after: rssMb() }));
`;

/**
 * Runs CHILD, telling collectDroppedFrames `told` rows, under --expose-gc unless `exposeGc` is
 * false; the RSS with the frame and after.
 */
async function dropFrame(told: "none" | "small" | "large", { exposeGc = true } = {}) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", ...(exposeGc ? ["--v8-flags=--expose-gc"] : []), CHILD, told],
    cwd: new URL("..", import.meta.url),
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  ok(output.success, stderr);
  const { rows, held, after } = JSON.parse(new TextDecoder().decode(output.stdout));
  ok(rows === 2_000_000, `${rows} rows`);
  return {
    held,
    after,
    report: `RSS ${held.toFixed(0)} MB with the frame, ${after.toFixed(0)} MB after`,
  };
}

Deno.test({
  name: "collectDroppedFrames: a dropped frame's memory leaves the process",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    // 2M strings of ~215 bytes: ~430 MB of text; most of it must be gone from the RSS
    for (const told of ["none", "large"] as const) {
      const { held, after, report } = await dropFrame(told);
      ok(held - after > 300, `${told}: ${report}`);
    }
  },
});

Deno.test({
  name: "collectDroppedFrames: without --expose-gc (a notebook's kernel) the memory leaves too",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const { held, after, report } = await dropFrame("large", { exposeGc: false });
    ok(held - after > 300, report);
  },
});

Deno.test({
  name: "collectDroppedFrames: told a small export's rows, it leaves the garbage to V8",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    // no full collection: nothing made V8 collect, so the dropped frame is still resident
    const { held, after, report } = await dropFrame("small");
    ok(held - after < 100, report);
  },
});

// 100 blocks of 1 MiB from glibc's malloc, written, every other one freed: the holes of a
// fragmented heap, as Polars' freed column buffers leave between the ones still held. A 4 MiB
// block freed first raises glibc's own threshold above 1 MiB, as Polars' first frees do.
const HOLES_CHILD = `
import { mapLargeAllocations } from "./lib/core/memory.ts";
const libc = Deno.dlopen("libc.so.6", {
  malloc: { parameters: ["usize"], result: "pointer" },
  free: { parameters: ["pointer"], result: "void" },
  memset: { parameters: ["pointer", "i32", "usize"], result: "pointer" },
}).symbols;
const rssMb = () => Number(Deno.readTextFileSync("/proc/self/status").match(/VmRSS:\\s+(\\d+)/)[1]) / 1024;
if (Deno.args[0] === "mapped") mapLargeAllocations();
const MIB = 1024 * 1024;
const first = libc.malloc(BigInt(4 * MIB));
libc.memset(first, 1, BigInt(4 * MIB));
libc.free(first);
const blocks = Array.from({ length: 100 }, () => {
  const block = libc.malloc(BigInt(MIB));
  libc.memset(block, 1, BigInt(MIB));
  return block;
});
const held = rssMb();
blocks.forEach((block, i) => i % 2 === 0 && libc.free(block));
console.log(JSON.stringify({ held, after: rssMb() }));
`;

async function freeHoles(mode: "mapped" | "default") {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", HOLES_CHILD, mode],
    cwd: new URL("..", import.meta.url),
    env: { NO_COLOR: "1" },
  }).output();
  ok(output.success, new TextDecoder().decode(output.stderr));
  const { held, after } = JSON.parse(new TextDecoder().decode(output.stdout));
  return {
    freed: held - after,
    report: `RSS ${held.toFixed(0)} MB held, ${after.toFixed(0)} MB after`,
  };
}

Deno.test({
  name: "mapLargeAllocations: freed blocks between held ones leave the process at once",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    // 50 freed blocks of 1 MiB: ~50 MB back to the kernel with their own mappings
    const mapped = await freeHoles("mapped");
    ok(mapped.freed > 40, `mapped: ${mapped.report}`);
    // and why it is set: with glibc's rising threshold the same holes stay resident
    const kept = await freeHoles("default");
    ok(kept.freed < 10, `default: ${kept.report}`);
  },
});
