/**
 * The same input gives the same bytes (issue 13): a demo export of one as-of written again later,
 * in another time zone and locale and from another working folder, is byte for byte the files the
 * first run wrote (analysts compare exports with `cmp` and hashes). Only the manifest's and the
 * snapshot sidecar's run records (generated_at, written_at, stage timings, paths) say when and
 * where the run was: they are left out here, by design (README, Output files).
 */
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import JSZip from "jszip";
import { runExport } from "../lib/export.ts";
import { asOf } from "./export_demo_fixture.ts";
import { EXPORT, serve } from "./server_fixture.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Every file under dir (hidden ones aside) by its path in it, manifests and sidecars left out. */
function filesOf(dir: string, under = ""): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const entry of Deno.readDirSync(join(dir, under))) {
    const name = join(under, entry.name);
    if (entry.name.startsWith(".")) continue;
    if (entry.isDirectory) {
      for (const [path, bytes] of filesOf(dir, name)) files.set(path, bytes);
    } else if (!name.endsWith(".manifest.json") && !name.endsWith(".parquet.json")) {
      files.set(name, Deno.readFileSync(join(dir, name)));
    }
  }
  return files;
}

const sha256 = async (bytes: Uint8Array) =>
  Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");

Deno.test("a demo export written again a second later, in Chatham time and a Danish locale, from another folder, is the same bytes", async () => {
  const first = await Deno.makeTempDir({ prefix: "same_bytes_first_" });
  const second = await Deno.makeTempDir({ prefix: "same_bytes_second_" });
  try {
    await runExport({ demo: true, asOf, outDir: first, env: {}, quiet: true, log: () => {} });
    // past the next whole second: a time of writing in the files would differ
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const command = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        join(ROOT, "deno.json"),
        join(ROOT, "lib/cli/export.ts"),
        "--demo",
        "--as-of",
        asOf.toISOString().slice(0, 10),
        "--quiet",
        "--out-dir",
        ".",
      ],
      cwd: second,
      env: { TZ: "Pacific/Chatham", LC_ALL: "da_DK.UTF-8", LANG: "da_DK.UTF-8" },
      stdout: "piped",
      stderr: "piped",
    });
    const run = await command.output();
    assertEquals(run.code, 0, new TextDecoder().decode(run.stderr));
    const [a, b] = [filesOf(first), filesOf(second)];
    assertEquals([...b.keys()].sort(), [...a.keys()].sort());
    const differing = [];
    for (const [name, bytes] of a) {
      if (await sha256(bytes) !== await sha256(b.get(name)!)) differing.push(name);
    }
    assertEquals(differing, []);
    // the manifests list the same files with the same hashes
    const manifest = (dir: string) =>
      JSON.parse(
        Deno.readTextFileSync(join(dir, "helicone_pricing_data_2026-11-01_demo.manifest.json")),
      );
    assertEquals(manifest(second).files, manifest(first).files);
    // the snapshot's path is where it is, not relative to the folder the run was started in (a
    // reader of the manifest, in the output folder or elsewhere, could not resolve "history/…")
    assertEquals(
      manifest(second).history_snapshot.path,
      join(Deno.realPathSync(second), "history", "helicone_pricing_data_2026-11-01_demo.parquet"),
    );
  } finally {
    await Deno.remove(first, { recursive: true });
    await Deno.remove(second, { recursive: true });
  }
});

Deno.test("the workbook's document dates are the export's as-of, not the time it was written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "same_bytes_core_" });
  try {
    await runExport({
      demo: true,
      asOf,
      outDir: dir,
      env: {},
      quiet: true,
      log: () => {},
      formats: ["xlsx"],
      charts: false,
    });
    const zip = await JSZip.loadAsync(
      Deno.readFileSync(join(dir, "helicone_pricing_data_2026-11-01_demo.xlsx")),
    );
    const core = await zip.file("docProps/core.xml")!.async("string");
    const dates = [...core.matchAll(/<dcterms:(created|modified)[^>]*>([^<]*)</g)]
      .map(([, tag, value]) => `${tag} ${value}`);
    assertEquals(dates, ["created 2026-11-01T00:00:00Z", "modified 2026-11-01T00:00:00Z"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the server's workbook of one as-of, run again a second later, is the same bytes, dated by the as-of", async () => {
  const server = serve();
  try {
    const download = async () => {
      // refresh=1: a new pipeline run and a new workbook, not the cached one
      const response = await server.get(`${EXPORT}?format=xlsx&as_of=2026-11-01&refresh=1`);
      assertEquals(response.status, 200);
      return new Uint8Array(await response.arrayBuffer());
    };
    const first = await download();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await download();
    assertEquals(server.calls.length, 2);
    assertEquals(await sha256(second), await sha256(first));
    const core = await (await JSZip.loadAsync(first)).file("docProps/core.xml")!.async("string");
    assertEquals(core.match(/<dcterms:created[^>]*>([^<]*)</)?.[1], "2026-11-01T00:00:00Z");
  } finally {
    await server.close();
  }
});
