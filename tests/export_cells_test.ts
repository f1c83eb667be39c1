/**
 * An export's cells read back (lib/formats/export_cells.ts) from files as a spreadsheet leaves them
 * after hand edits: another separator, empty rows, a column taken out, numbers saved as shown.
 * Each is refused (or read) with one line naming the file, where, and what to do.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";
import { exportFrameFromCsvFile } from "../lib/formats/read_export_csv.ts";

/** The message `exportFrameFromCsvFile` refuses the text with, or "accepted". */
async function refusal(text: string, name = "october.csv"): Promise<string> {
  const dir = await Deno.makeTempDir();
  const path = join(dir, name);
  try {
    await Deno.writeTextFile(path, text);
    await exportFrameFromCsvFile(path, { source: name });
    return "accepted";
  } catch (error) {
    return (error as Error).message;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A row of the export's columns, the ones given filled, joined by `separator`. */
function row(values: Record<string, string>, separator = ","): string {
  return COLUMN_NAMES.map((name) => values[name] ?? "").join(separator);
}

Deno.test("a CSV saved with ; or tabs as the separator (and a BOM) is said so, with the fix", async () => {
  const semicolons = "\uFEFF" + [
    COLUMN_NAMES.join(";"),
    row({ org_id: "a", org_name: '"Corp; Inc."', mrr: "50,5" }, ";"),
  ].join("\r\n") + "\r\n";
  assertEquals(
    await refusal(semicolons),
    'october.csv is separated by ";", not commas: save it again with "," as the field separator (or pass the XLSX)',
  );
  const tabs = "\uFEFF" + [COLUMN_NAMES.join("\t"), row({ org_id: "a" }, "\t")].join("\n");
  assertEquals(
    await refusal(tabs),
    'october.csv is separated by tabs, not commas: save it again with "," as the field separator (or pass the XLSX)',
  );
  // a quote the comma reading leaves open (CSV that is not valid as such) says the same
  const open = [COLUMN_NAMES.join(";"), row({ org_id: "a", org_name: '"Corp' }, ";")].join("\n");
  assertEquals(
    await refusal(open),
    'october.csv is separated by ";", not commas: save it again with "," as the field separator (or pass the XLSX)',
  );
});

Deno.test("rows entirely empty (a spreadsheet's leftover ,,,, lines) are left out; a row with cells but no org_id is named", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const empty = row({});
    const read = async (rows: string[]) => {
      const path = join(dir, "october.csv");
      await Deno.writeTextFile(path, [COLUMN_NAMES.join(","), ...rows].join("\r\n") + "\r\n");
      const frame = await exportFrameFromCsvFile(path, { source: "october.csv" });
      return frame.select("org_id", "seats").rows();
    };
    const orgs = [row({ org_id: "a", seats: "3" }), row({ org_id: "b", seats: "1" })];
    // read column-wise
    assertEquals(await read([...orgs, empty, empty]), [["a", 3], ["b", 1]]);
    // by the row reader (" 2" is a value Polars would not read), an empty row between
    assertEquals(
      await read([orgs[0], empty, row({ org_id: "b", seats: " 2" }), empty]),
      [["a", 3], ["b", 2]],
    );
    // cells without an org_id: rows 3 and 5 (the header is row 1), either reader
    for (const seats of ["4", " 4"]) {
      assertEquals(
        await refusal(
          [COLUMN_NAMES.join(","), orgs[0], row({ seats }), empty, row({ org_name: "Ghost" })]
            .join("\n"),
        ),
        "october.csv rows 3, 5 have no org_id: fill in each organization's org_id, or delete the row",
      );
    }
    assertEquals(
      await refusal([COLUMN_NAMES.join(","), row({ seats: "4" }), orgs[0]].join("\n")),
      "october.csv row 2 has no org_id: fill in each organization's org_id, or delete the row",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a column deleted or added by hand: the header's difference and how to undo it", async () => {
  const without = (name: string) => COLUMN_NAMES.filter((n) => n !== name);
  const deleted = [
    without("stripe_plan_names").join(","),
    without("stripe_plan_names").map(
      (name) => name === "org_id" ? "a" : "",
    ).join(","),
  ].join("\n");
  assertEquals(
    await refusal(deleted),
    "october.csv does not match this version's columns: its header lacks stripe_plan_names; restore the column (or re-export it with deno task export)",
  );
  const twoDeleted = without("stripe_plan_names").filter((n) => n !== "mrr").join(",");
  assertEquals(
    await refusal(twoDeleted + "\n"),
    "october.csv does not match this version's columns: its header lacks mrr, stripe_plan_names; restore the columns (or re-export it with deno task export)",
  );
  assertEquals(
    await refusal([...COLUMN_NAMES, "notes"].join(",") + "\n"),
    "october.csv does not match this version's columns: its header has unexpected notes; delete the column (or re-export it with deno task export)",
  );
  const renamed = COLUMN_NAMES.map((n) => n === "mrr" ? "monthly" : n).join(",");
  assertEquals(
    await refusal(renamed + "\n"),
    "october.csv does not match this version's columns: its header lacks mrr and has unexpected monthly; restore the kit's column names (or re-export it with deno task export)",
  );
});

Deno.test("numbers saved as shown ($0.03, 1,716, 100.0%) name the row and column and say how to save them", async () => {
  const fix =
    'it was saved as shown: save the CSV again with "Save cell content as shown" off (or pass the XLSX)';
  const file = (values: Record<string, string>) =>
    [COLUMN_NAMES.join(","), row({ org_id: "a" }), row({ org_id: "b", ...values })].join("\n");
  assertEquals(
    await refusal(file({ llm_cost_30d: "$0.03" })),
    `october.csv row 3, column llm_cost_30d: "$0.03" is not a number: ${fix}`,
  );
  assertEquals(
    await refusal(file({ seats: '"1,716"' })),
    `october.csv row 3, column seats: "1,716" is not a number: ${fix}`,
  );
  assertEquals(
    await refusal(file({ gross_margin_pct: "100.0%" })),
    `october.csv row 3, column gross_margin_pct: "100.0%" is not a number: ${fix}`,
  );
  // a value that is no number shown otherwise: no such advice
  assertEquals(
    await refusal(file({ mrr: "abc" })),
    'october.csv row 3, column mrr: "abc" is not a number',
  );
});

Deno.test("a number cell written in hex, binary or octal (0x10, 0b11, 0o17) is refused, not read as 16, 3 or 15", async () => {
  const file = (values: Record<string, string>) =>
    [COLUMN_NAMES.join(","), row({ org_id: "a", ...values })].join("\r\n") + "\r\n";
  assertEquals(
    await refusal(file({ llm_cost_30d: "0x10" })),
    'october.csv row 2, column llm_cost_30d: "0x10" is not a number',
  );
  assertEquals(
    await refusal(file({ seats: "0b11" })),
    'october.csv row 2, column seats: "0b11" is not a number',
  );
  assertEquals(
    await refusal(file({ mrr: " 0o17 " })),
    'october.csv row 2, column mrr: " 0o17 " is not a number',
  );
  // a decimal as the kit writes one, or as an editor may (+, an exponent, spaces around) reads
  assertEquals(await refusal(file({ mrr: " +1.5e1 ", seats: "007" })), "accepted");
});

Deno.test("a header name holding a line break or a control character is quoted in the error, one line with its fix", async () => {
  // (the command lines print an error's first line: a raw line break cut the fix off)
  const broken = COLUMN_NAMES.map((n) => n === "mrr" ? '"m\r\nrr"' : n).join(",");
  assertEquals(
    await refusal(broken + "\r\n"),
    "october.csv does not match this version's columns: its header lacks mrr and has unexpected \"m\\r\\nrr\"; restore the kit's column names (or re-export it with deno task export)",
  );
  const colored = COLUMN_NAMES.map((n, i) => i === 0 ? "\x1b[31morg_id" : n).join(",");
  assertEquals(
    await refusal(colored + "\r\n"),
    "october.csv does not match this version's columns: its header lacks org_id and has unexpected \"\\u001b[31morg_id\"; restore the kit's column names (or re-export it with deno task export)",
  );
  const swapped = COLUMN_NAMES.map((n, i) => i === 0 ? "org_name" : i === 1 ? "org_id" : n);
  assertEquals(
    await refusal(swapped.join(",") + "\r\n"),
    "october.csv is not a pricing-kit export: column 1 is org_name, expected org_id (columns were reordered)",
  );
});
