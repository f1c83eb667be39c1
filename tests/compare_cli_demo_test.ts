/**
 * `deno task compare` with demo data: against live data refused in one line, whichever of its name,
 * manifest, sidecar or rows says it is demo data; two demo exports compared, named and titled demo
 * data by their rows whatever their names say. The other cases: compare_cli_test.ts.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { main as compareMain } from "../lib/cli/compare.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { captureConsole } from "./console_capture.ts";
import { after, before } from "./compare_fixture.ts";

Deno.test("deno task compare: demo data against live data is refused in one line, by name, manifest or sidecar", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    const live = join(dir, "helicone_pricing_data_2026-10-01.csv");
    const demo = join(dir, "helicone_pricing_data_2026-11-01_demo.csv");
    await writeCsvFile(before, live);
    await writeCsvFile(after, demo);
    const refused = async (oldPath: string, newPath: string) => {
      errors.length = 0;
      const filesBefore = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      assertEquals(await compareMain([oldPath, newPath, "--out-dir", dir, "--quiet"]), 1);
      assertEquals(
        [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
        filesBefore,
        "nothing written",
      );
      assertEquals(errors.length, 1, errors.join("\n"));
      return errors[0];
    };
    const tail =
      "the synthetic dataset against real data compares nothing; compare two live exports or two demo ones";
    // by name, either way round
    assertEquals(
      await refused(live, demo),
      `error: new helicone_pricing_data_2026-11-01_demo.csv is demo data (its name ends _demo) and old helicone_pricing_data_2026-10-01.csv is not: ${tail}`,
    );
    const olderDemo = join(dir, "helicone_pricing_data_2026-09-01_demo.csv");
    await writeCsvFile(before, olderDemo);
    assertEquals(
      await refused(olderDemo, live),
      `error: old helicone_pricing_data_2026-09-01_demo.csv is demo data (its name ends _demo) and new helicone_pricing_data_2026-10-01.csv is not: ${tail}`,
    );
    // a renamed file: the manifest written with it says so
    const renamed = join(dir, "last_month.csv");
    await writeCsvFile(before, renamed);
    await Deno.writeTextFile(join(dir, "last_month.manifest.json"), '{"demo": true}');
    assertEquals(
      await refused(renamed, live),
      `error: old last_month.csv is demo data (its manifest says "demo": true) and new helicone_pricing_data_2026-10-01.csv is not: ${tail}`,
    );
    // a renamed demo export with nothing beside it: its rows say so (revenue_source demo); the
    // files are read first, and still nothing is written
    const rowsDemo = join(dir, "copy.csv");
    await writeCsvFile(after.withColumns(pl.lit("demo").alias("revenue_source")), rowsDemo);
    assertEquals(
      await refused(live, rowsDemo),
      `error: new copy.csv is demo data (its rows' revenue_source is demo (the demo generator's)) and old helicone_pricing_data_2026-10-01.csv is not: ${tail}`,
    );
    await Deno.remove(rowsDemo);
    // a renamed snapshot: its sidecar says so
    const snapshot = await writeSnapshot(after, {
      dir: join(dir, "history"),
      asOf: new Date("2026-11-01T00:00:00Z"),
      demo: true,
      origin: "export",
    });
    const copied = join(dir, "november.parquet");
    await Deno.copyFile(snapshot.path, copied);
    await Deno.copyFile(`${snapshot.path}.json`, `${copied}.json`);
    assertEquals(
      await refused(live, copied),
      `error: new november.parquet is demo data (its sidecar says "demo": true) and old helicone_pricing_data_2026-10-01.csv is not: ${tail}`,
    );
    // two demo exports compare
    errors.length = 0;
    assertEquals(await compareMain([olderDemo, demo, "--out-dir", dir, "--quiet"]), 0);
    assertEquals(errors, []);
    // a demo export renamed with nothing beside it, or one named as a live export, is demo data by
    // its rows: not refused against a demo export before they are read
    const demoRows = before.withColumns(pl.lit("demo").alias("revenue_source"));
    const october = join(dir, "october.csv");
    await writeCsvFile(demoRows, october);
    assertEquals(await compareMain([october, demo, "--out-dir", dir, "--quiet"]), 0);
    assertEquals(errors, []);
    const namedLive = join(dir, "helicone_pricing_data_2026-08-01.csv");
    await writeCsvFile(demoRows, namedLive);
    assertEquals(await compareMain([namedLive, demo, "--out-dir", dir, "--quiet"]), 0);
    assertEquals(errors, []);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: demo data whose names lack _demo is named and titled demo data, by its rows", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    // rows of the demo generator's (revenue_source demo): demo data whatever the names say
    const demoRows = (frame: pl.DataFrame) =>
      frame.withColumns(pl.lit("demo").alias("revenue_source"));
    const written = (out: string) => [...Deno.readDirSync(out)].map((e) => e.name).sort();
    // named as live exports (a 7-day one too) against a demo export
    const namedLive = join(dir, "helicone_pricing_data_2026-10-01_7d.csv");
    const demo = join(dir, "helicone_pricing_data_2026-11-01_demo.csv");
    await writeCsvFile(demoRows(before), namedLive);
    await writeCsvFile(demoRows(after), demo);
    const named = join(dir, "named");
    assertEquals(await compareMain([namedLive, demo, "--out-dir", named, "--quiet"]), 0);
    assertEquals(errors, []);
    const base = "helicone_pricing_compare_2026-10-01_demo_7d_to_2026-11-01_demo";
    assertEquals(written(named), [`${base}.csv`, `${base}.md`, `${base}_totals.csv`]);
    const title = (await Deno.readTextFile(join(named, `${base}.md`))).split("\n")[0];
    assertEquals(title, "# Export comparison: `2026-10-01_demo_7d` → `2026-11-01_demo`");
    // two renamed copies with nothing beside them: named by their modification date, as demo data
    const bare = join(dir, "bare.csv");
    const bare2 = join(dir, "bare2.csv");
    await writeCsvFile(demoRows(before), bare);
    await writeCsvFile(demoRows(after), bare2);
    const renamed = join(dir, "renamed");
    assertEquals(await compareMain([bare, bare2, "--out-dir", renamed, "--quiet"]), 0);
    const stamp = (path: string) => `${Deno.statSync(path).mtime!.toISOString().slice(0, 10)}_demo`;
    const bareBase = `helicone_pricing_compare_${stamp(bare)}_to_${stamp(bare2)}`;
    assertEquals(written(renamed), [`${bareBase}.csv`, `${bareBase}.md`, `${bareBase}_totals.csv`]);
    ok(
      (await Deno.readTextFile(join(renamed, `${bareBase}.md`))).startsWith(
        `# Export comparison: \`${stamp(bare)}\` → \`${stamp(bare2)}\`\n`,
      ),
    );
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});
