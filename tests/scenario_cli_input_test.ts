/**
 * `deno task scenario` (lib/cli/scenario.ts) given files it must refuse or read with care: no
 * JSON, a folder, a file twice, a missing or misnamed --input, a raw tier behind the CSV's formula
 * guard, an export saved again by LibreOffice or written by an earlier kit version.
 */
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { dirname, join } from "node:path";
import pl from "nodejs-polars";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { main as scenarioMain } from "../lib/cli/scenario.ts";
import { captureConsole } from "./console_capture.ts";
import { sofficeConvert } from "./libreoffice.ts";
import { frame, paying, refusedRuns } from "./scenario_cli_fixture.ts";
import { byteLength, cutAtRowEnd, cutInsideLastField } from "./export_cut_fixture.ts";
import { demoExport } from "./demo_export_fixture.ts";
import { F6D6C0C_CSV } from "./fixtures/earlier_export.ts";

Deno.test("deno task scenario given a file that is no JSON: what it is, in one line, its bytes never raw on the terminal", async () => {
  await refusedRuns(async ({ dir, out, errors }) => {
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(frame, input);
    const workbook = join(dir, "helicone_pricing_data_2026-11-01.xlsx");
    await Deno.writeFile(workbook, new Uint8Array([0x50, 0x4b, 3, 4, 20, 0, 0, 0, 8, 8]));
    const utf16 = join(dir, "utf16.json");
    await Deno.writeFile(utf16, new Uint8Array([0xff, 0xfe, 0x7b, 0, 0x7d, 0]));
    const escape = join(dir, "esc.json");
    await Deno.writeTextFile(escape, "x\x1b[31mRED\nSECOND");
    const input_ = "a scenario is a JSON file such as scenarios/per_request.json (an export to " +
      "price is passed with --input)";
    const cases: [string, string | RegExp][] = [
      // the export itself where the scenario goes (--input forgotten)
      [
        workbook,
        `error: ${workbook} is not valid JSON: it is a ZIP file (an XLSX workbook?); ${input_}`,
      ],
      [input, `error: ${input} is not valid JSON: it is an export CSV; ${input_}`],
      [utf16, `error: ${utf16} is not valid JSON: it is UTF-16 text; save it as UTF-8`],
      // the parser's words quote the bytes: the ESC and the newline escaped, the line whole
      [escape, /^error: .*esc\.json is not valid JSON: .*x\\u001b\[31mRED\\nSECOND/],
    ];
    for (const [file, message] of cases) {
      errors.length = 0;
      assertEquals(await scenarioMain([file, "--out-dir", out]), 1);
      assertEquals(errors.length, 1, errors.join("\n"));
      if (typeof message === "string") assertEquals(errors[0], message);
      else ok(message.test(errors[0]), errors[0]);
      ok(!/\p{Cc}/u.test(errors[0]), JSON.stringify(errors[0])); // no control character raw
    }
  });
});

Deno.test("deno task scenario given a folder, or one file twice: said with the fix", async () => {
  await refusedRuns(async ({ dir, out, errors }) => {
    const scenario = fileURLToPath(new URL("../scenarios/per_request.json", import.meta.url));
    // (was "cannot be read (Is a directory (os error 21): readfile …)", naming no fix)
    assertEquals(await scenarioMain([dir, "--out-dir", out]), 1);
    assertEquals(errors, [
      `error: ${dir} is a folder, not a scenario file; pass a scenario file such as scenarios/per_request.json`,
    ]);
    errors.length = 0;
    // (was "… are both named "per_request" …; rename one")
    const again = `${dirname(scenario)}/./per_request.json`; // (join would drop the ./)
    assertEquals(await scenarioMain([scenario, again, "--out-dir", out]), 1);
    assertEquals(errors, [`error: ${again} is given more than once; give each scenario file once`]);
  });
});

Deno.test("deno task scenario --input a file that does not exist: said with the fix", async () => {
  await refusedRuns(async ({ dir, out, errors }) => {
    const scenario = fileURLToPath(new URL("../scenarios/per_request.json", import.meta.url));
    const gone = join(dir, "nonexist.csv");
    assertEquals(await scenarioMain([scenario, "--input", gone, "--out-dir", out]), 1);
    // (said only "does not exist")
    assertEquals(errors, [
      `error: ${gone} does not exist; pass an export of this kit, such as outputs/helicone_pricing_data_2026-11-01.csv`,
    ]);
  });
});

Deno.test("deno task scenario refused after its folder check leaves no folder it made: a new --out-dir two levels down goes with it", async () => {
  await refusedRuns(async ({ dir, out, errors }) => {
    const scenario = fileURLToPath(new URL("../scenarios/per_request.json", import.meta.url));
    // named as an export, read as one only once the output folder is made (made early, so that
    // one that cannot be written fails before any data is read)
    const garbled = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await Deno.writeTextFile(garbled, "a,b\r\n1,2\r\n");
    const args = [scenario, "--input", garbled, "--out-dir"];
    assertEquals(await scenarioMain([...args, join(out, "new")]), 1);
    assertEquals(errors.length, 1, errors.join("\n"));
    ok(errors[0].startsWith(`error: ${garbled} is not a pricing-kit export: `), errors[0]);
    // (both were left, empty, beside "error: …": out and out/new)
    assertEquals(await Deno.stat(out).then(() => "there", () => "not there"), "not there");
    // a folder that was there before stays, as it was
    await Deno.mkdir(out);
    assertEquals(await scenarioMain([...args, out]), 1);
    assertEquals([...Deno.readDirSync(out)], []);
    await Deno.remove(out);
  });
});

Deno.test("deno task scenario --input an export named for a day after today, or before 1970: refused as misnamed", async () => {
  await refusedRuns(async ({ dir, out, errors }) => {
    const scenario = fileURLToPath(new URL("../scenarios/per_request.json", import.meta.url));
    for (const date of ["2099-01-01", "1960-01-01"]) {
      const misnamed = join(dir, `helicone_pricing_data_${date}.csv`);
      await writeCsvFile(frame, misnamed);
      errors.length = 0;
      assertEquals(await scenarioMain([scenario, "--input", misnamed, "--out-dir", out]), 1);
      // (2099 was priced and written as "data as of 2099-01-01")
      assertEquals(errors, [
        `error: --input ${misnamed}: its as-of date ${date} is ${
          date === "2099-01-01" ? "in the future" : "before 1970-01-01"
        }; rename it to the date it was exported (or fix its manifest)`,
      ]);
    }
  });
});

Deno.test("deno task scenario --input: match.tiersRaw finds a raw tier the CSV wrote with its formula guard", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    // a1's raw tier starts with -: the CSV holds '-legacy-2024 (MRR a1 $10, a2 $20)
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(
      frame.withColumns(
        pl.Series("tier_raw", ["-legacy-2024", "team"], pl.Utf8),
        pl.Series("mrr", [10, 20], pl.Float64),
      ),
      input,
    );
    ok((await Deno.readTextFile(input)).includes(",'-legacy-2024,"), "guarded in the file");
    const file = join(dir, "legacy.json");
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        name: "legacy",
        plans: [
          { name: "legacy", match: { tiersRaw: ["-legacy-2024"] }, flatUsd: 7 },
          { name: "rest", flatUsd: 100 },
        ],
      }),
    );
    assertEquals(await scenarioMain([file, "--input", input, "--out-dir", dir]), 0, errors.join());
    // a1 on legacy $7, a2 on rest $100
    ok(logs[0].startsWith("Scenario legacy: current MRR $30.00, proposed $107.00"), logs[0]);
    ok(!errors.some((line) => line.includes("prices no organization")), errors.join("\n"));
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scenario --input: an export CSV saved again by LibreOffice (booleans TRUE/FALSE) prices as the kit's own", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    // a1 $10 cancels at period end, a2 $20 does not: both priced at $10 a seat (20 and 50)
    const original = join(dir, "original", "helicone_pricing_data_2026-11-01.csv");
    await Deno.mkdir(join(dir, "original"));
    await writeCsvFile(
      paying.withColumns(
        pl.Series("cancel_at_period_end", [true, false], pl.Bool),
        pl.Series("is_byok", [true, false], pl.Bool),
      ),
      original,
    );
    await sofficeConvert(original, {
      to: "csv",
      outDir: dir,
      infilter: "CSV:44,34,76,1,,0,false,true,true",
    });
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    ok((await Deno.readTextFile(input)).includes(",TRUE,"), "LibreOffice wrote TRUE");
    const file = join(dir, "seat.json");
    await Deno.writeTextFile(
      file,
      JSON.stringify({ name: "seat", plans: [{ name: "everyone", perSeatUsd: 10 }] }),
    );
    assertEquals(await scenarioMain([file, "--input", input, "--out-dir", dir]), 0, errors.join());
    ok(logs[0].startsWith("Scenario seat: current MRR $30.00, proposed $70.00"), logs[0]);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scenario --input: an export an earlier kit version wrote (f6d6c0c's 41 columns) prices as this version's would; its company margin is unknown, said with the columns it lacks", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    // Harbor Bank 391 3 seats $0, Granite Games 32 27 seats $889, Delta Bank 118 1 seat $83.56:
    // at $10 a seat 30 + 270 + 10 = $310 for 0 + 889 + 83.56 = $972.56
    const input = join(dir, "helicone_pricing_data_2026-10-01_demo.csv");
    await Deno.copyFile(
      F6D6C0C_CSV,
      input,
    );
    const file = join(dir, "seat.json");
    await Deno.writeTextFile(
      file,
      JSON.stringify({ name: "seat", plans: [{ name: "everyone", perSeatUsd: 10 }] }),
    );
    assertEquals(await scenarioMain([file, "--input", input, "--out-dir", dir]), 0, errors.join());
    // (310 − 972.56) ÷ 972.56 = −68.1 %; Harbor Bank pays more, the other two less
    assertEquals(
      logs[0],
      "Scenario seat (DEMO DATA): current MRR $972.56, proposed $310.00 (-68.1 %); 1 pay more, 2 pay less, 0 unchanged",
    );
    // the company margin reads two of the columns added since: said, and the margin left out
    // naming them (the other warnings are the scenario's: an unpriced add-on, usage charges)
    assertEquals(
      errors.filter((line) => line.includes("earlier kit version") || line.includes("margin")),
      [
        "warning: helicone_pricing_data_2026-10-01_demo.csv is an export of an earlier kit version: it has no ptb_revenue_30d, company_cost_30d (added since), read as empty",
        "warning: seat: 3 of the 3 organizations compared are left out of the company margin: 3 whose company cost is unknown (company_cost_30d empty; ptb_revenue_30d and company_cost_30d empty on every organization: an export of a kit before the cost model of 2026-12-01 has none; export again to price the margin)",
      ],
    );
    assertEquals(
      logs[2],
      "  company margin: unknown, no company cost or PTB revenue known for the 3 organizations compared (see the warnings)",
    );
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scenario --input an export CSV cut short (at a row end, inside its last row's last field): refused in one line naming it and the fix", async () => {
  await refusedRuns(async ({ dir, out, errors }) => {
    const { data } = await demoExport(dir);
    const input = join(dir, "helicone_pricing_data_2026-11-01_demo.csv");
    const csv = await Deno.readTextFile(input);
    const scenario = fileURLToPath(new URL("../scenarios/per_request.json", import.meta.url));
    const rows = data.frame.height;
    const manifest = "helicone_pricing_data_2026-11-01_demo.manifest.json";
    const fix = "export again (deno task export) or restore the whole file";
    const [atRowEnd, inside] = [cutAtRowEnd(csv, 3), cutInsideLastField(csv)];
    for (
      const [cut, problem] of [
        [
          atRowEnd,
          `3 of the ${rows} rows and ${byteLength(atRowEnd)} of the ${
            byteLength(csv)
          } bytes its manifest ${manifest} records; ${fix} (rows removed on purpose: save it ` +
          "under another name)",
        ],
        [
          inside.text,
          `${inside.rows} of the ${rows} rows and ${byteLength(inside.text)} of the ${
            byteLength(csv)
          } bytes its manifest ${manifest} records, its last row without its line break; ${fix}`,
        ],
      ]
    ) {
      await Deno.writeTextFile(input, cut);
      errors.length = 0;
      assertEquals(await scenarioMain([scenario, "--input", input, "--out-dir", out]), 1);
      assertEquals(errors, [`error: ${input} is cut short: ${problem}`]);
    }
  });
});
