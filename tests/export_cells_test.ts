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
