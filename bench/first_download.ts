/**
 * What a first `deno task export` downloads: runs `deno cache --frozen lib/cli/export.ts` with an empty
 * DENO_DIR (a temp folder, deleted afterwards) and prints the wall time, the number of `Download`
 * lines, the cache size and the largest npm packages. Re-run it when Deno learns npm's `libc` field:
 * today both nodejs-polars builds for linux-x64 (gnu and musl, ~110 MB each) are fetched (README,
 * "First run").
 *
 *   deno run -A bench/first_download.ts
 */
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Bytes under `path`, recursively (symbolic links not followed). */
async function sizeOf(path: string): Promise<number> {
  const info = await Deno.lstat(path);
  if (!info.isDirectory) return info.size;
  let total = 0;
  for await (const entry of Deno.readDir(path)) total += await sizeOf(`${path}/${entry.name}`);
  return total;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

const denoDir = await Deno.makeTempDir({ prefix: "pricing-kit-deno-dir-" });
try {
  const started = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["cache", "--frozen", "lib/cli/export.ts"],
    cwd: ROOT,
    env: { DENO_DIR: denoDir, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  const log = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
  if (!output.success) throw new Error(`deno cache failed:\n${log}`);
  const downloads = log.split("\n").filter((line) => line.startsWith("Download "));
  const registry = `${denoDir}/npm/registry.npmjs.org`;
  const packages: [string, number][] = [];
  for await (const entry of Deno.readDir(registry)) {
    packages.push([entry.name, await sizeOf(`${registry}/${entry.name}`)]);
  }
  packages.sort((a, b) => b[1] - a[1]);
  console.log(
    `deno cache lib/cli/export.ts, empty DENO_DIR (${Deno.version.deno}, ${Deno.build.target})`,
  );
  console.log(`  wall time         ${seconds.toFixed(1)} s`);
  console.log(`  Download lines    ${downloads.length}`);
  console.log(`  DENO_DIR size     ${mb(await sizeOf(denoDir))}`);
  console.log(`  largest packages:`);
  for (const [name, bytes] of packages.slice(0, 6)) {
    console.log(`    ${name.padEnd(40)} ${mb(bytes)}`);
  }
} finally {
  await Deno.remove(denoDir, { recursive: true });
}
