/**
 * A child process holding a staging folder, a demo export and a folder's names, shared by
 * staging_test.ts and staging_publish_test.ts.
 */
import { runExport } from "../lib/export.ts";

export const asOf = new Date("2026-11-01T00:00:00Z");
export const STAGING_MODULE = new URL("../lib/formats/staging.ts", import.meta.url).href;

/** A child process that makes a staging folder in `dir`, prints its path, then waits for stdin. */
export async function childWithStaging(dir: string) {
  const code = `import { makeStagingDir } from ${JSON.stringify(STAGING_MODULE)};
console.log(await makeStagingDir(${JSON.stringify(dir)}, { chosenBy: { otherwise: "" } }));
for await (const _ of Deno.stdin.readable) { /* wait until killed */ }`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("child exited before making its staging folder");
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return { child, staging: text.trim() };
}

// No history snapshot: these tests count the files of outDir (history: tests/history_*_test.ts).
export const demoExport = (outDir: string) =>
  runExport({ demo: true, asOf, outDir, charts: false, env: {}, log: () => {}, history: false });

/** The names in `dir`, sorted. */
export const names = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();
