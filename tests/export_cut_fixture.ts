/**
 * A demo export's CSV cut short, as a copy that stopped half-way leaves it, for the tests of the
 * readers' cut check (lib/formats/export_whole.ts): cut at a row end, cut inside its last row's
 * last field. And the files of a publish caught half-way (the new CSV in place, the manifest not
 * yet), the publish lock held.
 */
import { ok } from "node:assert/strict";
import { createHash } from "node:crypto";
import { basename, join } from "node:path";
import { PUBLISH_LOCK_FILE } from "../lib/formats/publish_lock.ts";
import { unlessHung } from "./hang_guard.ts";

/** The byte length of `text` in UTF-8. */
export function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** The CSV's lines without their CRLF (the demo's texts hold no line break): header, rows. */
export function csvLines(csv: string): string[] {
  ok(csv.endsWith("\r\n"), "the kit ends every row with CRLF");
  const lines = csv.slice(0, -2).split("\r\n");
  ok(!lines.some((line) => line.includes("\n") || line.includes("\r")), "one line a row");
  return lines;
}

/** The CSV cut just after its `rows`-th row's line break: the header and the first `rows` rows. */
export function cutAtRowEnd(csv: string, rows: number): string {
  return csvLines(csv).slice(0, rows + 1).map((line) => `${line}\r\n`).join("");
}

/**
 * The CSV cut inside a row's last field: the first row whose last value is a number of two
 * characters or more (`119`, `43.98`), cut after its first digit (read as `1`, `4`); that row is
 * then the last. (The last column, usage_discounts, is empty or 0 on most rows.)
 */
export function cutInsideLastField(csv: string): { text: string; rows: number; value: string } {
  const lines = csvLines(csv);
  const row = lines.findIndex((line, i) => i > 0 && /,\d[\d.]*\d$/.test(line));
  ok(row > 0, "a row whose last value has two characters or more");
  const value = lines[row].slice(lines[row].lastIndexOf(",") + 1);
  const cutLine = lines[row].slice(0, lines[row].length - value.length + 1);
  const text = lines.slice(0, row).map((line) => `${line}\r\n`).join("") + cutLine;
  return { text, rows: row, value };
}

/** The manifest written with `csvName`, as a run that wrote `csv` (its bytes and rows) records it. */
export function manifestFor(
  manifest: Record<string, unknown>,
  { csvName, csv }: { csvName: string; csv: string },
): Record<string, unknown> {
  const bytes = new TextEncoder().encode(csv);
  return {
    ...manifest,
    row_count: csvLines(csv).length - 1,
    files: (manifest.files as { name: string }[]).map((file) =>
      file.name === csvName
        ? {
          ...file,
          bytes: bytes.length,
          sha256: createHash("sha256").update(bytes).digest("hex"),
        }
        : file
    ),
  };
}

/**
 * Settles once some process waits for the publish lock `dir` holds now (Linux's /proc/locks lists
 * a waiter with `->`), or once `pending` settles, whichever is first: a reader caught half-way
 * through a publish waits there, and one that does not wait answers.
 */
export async function lockWaitedOrSettled(dir: string, pending: Promise<unknown>): Promise<void> {
  const { ino } = await Deno.stat(join(dir, PUBLISH_LOCK_FILE));
  let settled = false;
  pending.then(() => settled = true, () => settled = true);
  const waiter = new RegExp(`-> FLOCK .*:${ino} `);
  await unlessHung(
    `a wait for ${basename(dir)}'s publish lock`,
    (async () => {
      while (!settled && !waiter.test(await Deno.readTextFile("/proc/locks"))) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })(),
  );
}

/** Writes `text` to `path` as a publish does: whole beside it first, then renamed into place. */
export async function placeFile(path: string, text: string): Promise<void> {
  const staged = `${path}.staged`;
  await Deno.writeTextFile(staged, text);
  await Deno.rename(staged, path);
}
