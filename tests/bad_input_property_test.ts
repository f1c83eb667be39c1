/**
 * Bad export files under a seeded random generator (tests/hostile_values.ts): an export CSV of
 * hostile values cut at a random byte, its header changed (a column dropped, renamed, moved or
 * repeated), a cell given a value its column does not take, or bytes that are not UTF-8. The
 * readers (readExportFile: compare, scenario --input, history import, the MCP server) refuse each
 * in one line naming the file (and the row and column of a cell), as they do stray quotes, line
 * ends and bytes put in anywhere; and `deno task compare` and
 * `deno task scenario --input` exit 1 with that one line, writing nothing. A failure names its
 * seed; PROPERTY_SEED=<n> repeats it.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { dirname, join } from "node:path";
import { COLUMN_NAMES, COLUMNS } from "../lib/frame/columns.ts";
import { csvChunks, writeCsvFile } from "../lib/formats/csv.ts";
import { readExportFile } from "../lib/formats/read_export.ts";
import { UserError } from "../lib/core/config.ts";
import { main as compareMain } from "../lib/cli/compare.ts";
import { main as scenarioMain } from "../lib/cli/scenario.ts";
import { captureConsole } from "./console_capture.ts";
import { differences, forEachSeed, hostileExportFrame, type Random } from "./hostile_values.ts";

const NAME = "helicone_pricing_data_2026-11-01.csv";
/**
 * A folder's path of 64 characters (as long as a seed's folder under `deno task test`'s usual
 * TMPDIR), in place of the test's temporary folder where a message's length is measured.
 */
const STAND_IN_DIR = `/tmp/${"d".repeat(59)}`;

/** The error readExportFile throws for `path`, or null when it reads the file. */
async function readError(path: string): Promise<Error | null> {
  try {
    await readExportFile(path);
    return null;
  } catch (error) {
    return error as Error;
  }
}

/** A refusal as the commands print it: a UserError on one line, naming the file. */
function assertOneLine(
  error: Error | null,
  { path, what }: { path: string; what: string },
): asserts error is UserError {
  ok(error instanceof UserError, `${what}: a UserError, not ${error?.stack ?? "a frame"}`);
  ok(!/[\r\n\u2028\u2029]/.test(error.message), `one line: ${JSON.stringify(error.message)}`);
  ok(error.message.includes(path), `names the file: ${error.message}`);
  // short, counted with the file's folder as STAND_IN_DIR: the folder's length is the machine's
  const shown = error.message.replaceAll(dirname(path), STAND_IN_DIR);
  ok(shown.length < 800, `short: ${shown.slice(0, 200)}…`);
}

/** An export CSV's lines (CRLF ends; a quoted field's own line breaks kept inside its line). */
function csvRecords(text: string): string[] {
  const records: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (!quoted && text[i] === "\r" && text[i + 1] === "\n") {
      records.push(text.slice(start, i));
      start = i + 2;
      i++;
    }
  }
  return records;
}

/** A record's fields, as written (quoted fields keep their quotes). */
function csvFields(record: string): string[] {
  const fields: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i <= record.length; i++) {
    if (record[i] === '"') quoted = !quoted;
    else if (i === record.length || (!quoted && record[i] === ",")) {
      fields.push(record.slice(start, i));
      start = i + 1;
    }
  }
  return fields;
}

/** Values a column of each type does not take, as a spreadsheet or an editor may leave them. */
const WRONG_VALUES: Record<string, readonly string[]> = {
  number: ["12abc", "1,5", "$3.00", "NaN", "inf", "-Infinity", "1e400", "--1", "0x10", "12 %"],
  integer: ["1.5", "-3", "9007199254740993", "one", "1e400", "NaN", "2,000"],
  boolean: ["yes", "1.0", "TRUE1", "no", "-", "0.0"],
  datetime: [
    "2026-02-30T00:00:00Z",
    "2026-01-01 10:00",
    "yesterday",
    "2026-13-01T00:00:00Z",
    "1700000000",
  ],
  tier: ["platinum", "Free ", "PRO", "'=1+1"],
};

/** A header changed as a hand edit or another file would: dropped, renamed, moved, repeated. */
function changedHeader(random: Random, header: string[]): string[] {
  const changed = [...header];
  const at = random.int(changed.length);
  switch (random.int(4)) {
    case 0:
      changed.splice(at, 1);
      break;
    case 1:
      changed[at] = random.pick(["org", "Org_ID", `${changed[at]} `, "", "mrr_usd", "\uFEFFx"]);
      break;
    case 2: {
      const other = (at + 1 + random.int(changed.length - 1)) % changed.length;
      [changed[at], changed[other]] = [changed[other], changed[at]];
      break;
    }
    default:
      changed.splice(at, 0, changed[random.int(changed.length)]);
  }
  return changed;
}

Deno.test("a CSV cut at any byte: refused in one line, or read as the rows before the cut", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let refused = 0;
    await forEachSeed({ count: 40 }, async (random, seed) => {
      const frame = hostileExportFrame(random);
      const text = [...csvChunks(frame)].join("");
      const bytes = new TextEncoder().encode(text);
      const path = join(dir, `seed-${seed}`, NAME);
      await Deno.mkdir(join(dir, `seed-${seed}`));
      await Deno.writeFile(path, bytes.subarray(0, random.int(bytes.length)));
      const error = await readError(path);
      if (error) {
        assertOneLine(error, { path, what: "cut" });
        refused++;
        return;
      }
      // read: the rows before the cut, whole, and the row it falls in only when the cut is in
      // its last field (a CSV has no mark of its end: that value reads cut short)
      const back = (await readExportFile(path)).frame;
      ok(back.height <= frame.height);
      const last = COLUMN_NAMES[COLUMN_NAMES.length - 1];
      const found = differences(frame.head(back.height), back, "csv")
        .filter((d) => !(d.row === back.height - 1 && d.column === last));
      assertEquals(found.map((d) => d.text), []);
    });
    ok(refused > 20, `most cuts are refused (${refused} of 40)`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a CSV whose header is changed, or a cell holding what its column does not take, or bytes that are not UTF-8: one line naming the file (and the row and column)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await forEachSeed({ count: 40 }, async (random, seed) => {
      const frame = hostileExportFrame(random);
      const records = csvRecords([...csvChunks(frame)].join(""));
      const path = join(dir, `seed-${seed}`, NAME);
      await Deno.mkdir(join(dir, `seed-${seed}`));
      const kind = random.int(3);
      let cell: { row: number; column: string } | null = null;
      let what = "a byte 0xFF";
      if (kind === 0) {
        records[0] = changedHeader(random, csvFields(records[0])).join(",");
        what = `header ${records[0]}`;
      } else if (kind === 1) {
        const row = 1 + random.int(records.length - 1);
        const c = random.int(COLUMNS.length - 1) + 1; // org_id's own rules: its own tests
        const def = COLUMNS[c];
        const wrong = WRONG_VALUES[def.values ? "tier" : def.type];
        if (!wrong) return; // text columns take any text
        const fields = csvFields(records[row]);
        fields[c] = random.pick(wrong).replace(/^.*,.*$/, (v) => `"${v}"`);
        what = `${def.name} ${fields[c]}`;
        records[row] = fields.join(",");
        cell = { row: row + 1, column: def.name };
      }
      const text = records.map((r) => `${r}\r\n`).join("");
      let bytes = new TextEncoder().encode(text);
      if (kind === 2) {
        // a byte no UTF-8 text has, in a random place after the header
        const at = records[0].length + 2 + random.int(bytes.length - records[0].length - 2);
        bytes = Uint8Array.from([...bytes.subarray(0, at), 0xff, ...bytes.subarray(at)]);
      }
      await Deno.writeFile(path, bytes);
      const error = await readError(path);
      assertOneLine(error, { path, what });
      if (cell) {
        ok(
          error.message.includes(`row ${cell.row}`),
          `names the row ${cell.row}: ${error.message}`,
        );
        ok(error.message.includes(cell.column), `names ${cell.column}: ${error.message}`);
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** What a hand edit or a damaged copy puts into a CSV: quotes, line ends, separators, NUL, BOM. */
const STRAY_TEXT = ['"', "\r", "\n", ",", "\r\n", '""', "\0", "\uFEFF", ",,,", '"\r\n"', "x"];

Deno.test("a CSV with stray quotes, line ends, separators or bytes put in, taken out or overwritten anywhere: read, or refused in one line naming the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await forEachSeed({ count: 40 }, async (random, seed) => {
      let text = [...csvChunks(hostileExportFrame(random))].join("");
      const edits: string[] = [];
      for (let n = 1 + random.int(3); n > 0; n--) {
        const at = random.int(text.length);
        const stray = random.pick(STRAY_TEXT);
        const [cut, put] = random.pick([[0, stray], [1 + random.int(5), ""], [1, stray]]);
        text = text.slice(0, at) + put + text.slice(at + Number(cut));
        edits.push(`at ${at}: ${cut} out, ${JSON.stringify(put)} in`);
      }
      const path = join(dir, `seed-${seed}`, NAME);
      await Deno.mkdir(join(dir, `seed-${seed}`));
      await Deno.writeTextFile(path, text);
      const error = await readError(path);
      if (error) assertOneLine(error, { path, what: edits.join("; ") });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare and scenario --input given a bad export: exit 1, one line, nothing written", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const scenario = join(dir, "flat.json");
    await Deno.writeTextFile(
      scenario,
      JSON.stringify({ name: "flat", plans: [{ name: "everyone", flatUsd: 100 }] }),
    );
    await forEachSeed({ count: 4 }, async (random, seed) => {
      const folder = join(dir, `seed-${seed}`);
      await Deno.mkdir(folder);
      const good = join(folder, "helicone_pricing_data_2026-10-01.csv");
      await writeCsvFile(hostileExportFrame(random), good);
      const text = [...csvChunks(hostileExportFrame(random))].join("");
      const records = csvRecords(text);
      // cut inside a record (its fields then too few), or its header changed
      const bad = join(folder, NAME);
      await Deno.writeTextFile(
        bad,
        random.chance(0.5)
          ? text.slice(0, text.indexOf("\r\n") + 2 + Math.floor(records[1].length / 2))
          : [changedHeader(random, csvFields(records[0])).join(","), ...records.slice(1)]
            .map((r) => `${r}\r\n`).join(""),
      );
      const runs: [string, () => Promise<number>][] = [
        ["compare", () => compareMain([good, bad, "--out-dir", join(folder, "out")])],
        [
          "scenario",
          () => scenarioMain([scenario, "--input", bad, "--out-dir", join(folder, "out")]),
        ],
      ];
      for (const [command, run] of runs) {
        const console = captureConsole();
        let code: number;
        try {
          code = await run();
        } finally {
          console.restore();
        }
        assertEquals(code, 1, `${command} exits 1`);
        assertEquals(console.errors.length, 1, `${command}: ${console.errors.join(" / ")}`);
        ok(!/[\r\n]/.test(console.errors[0]), `${command}: one line: ${console.errors[0]}`);
        ok(console.errors[0].includes(bad), `${command} names the file: ${console.errors[0]}`);
        const written = await Array.fromAsync(Deno.readDir(join(folder, "out"))).catch(() => []);
        assertEquals(written.map((e) => e.name), [], `${command} wrote nothing`);
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
