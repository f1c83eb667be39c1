/**
 * The SQL process itself (fed by lib/mcp/sql_process.ts, which says why it exists, and started
 * by lib/mcp/sql_launch.ts): it reads one statement at a time from stdin (lib/mcp/sql_protocol.ts),
 * runs it over the frames' Parquet files with Polars' SQLContext and writes the answer to stdout.
 * It checks each statement again (refusal) and keeps the statement's limits itself, ending with
 * EXIT_MEMORY or EXIT_DEADLINE when nobody stopped a runaway. Its stdin is its lifeline: its end
 * ends the process.
 */
import pl from "nodejs-polars";
// the SQL tools' GROUP BY sums the same bits every run (its parent's environment has it too)
import "../core/polars_sums.ts";
import { checkReadOnlySelect, ENGINE_ONLY_SPACES } from "../sources/statement_gate.ts";
import { countColumnNames } from "./sql_count_names.ts";
import { jsonCell, type Row } from "./text.ts";
import {
  type Answer,
  answerLine,
  COUNTED_ROWS,
  HOLD_START_ARG,
  READY_LINE,
  type Request,
} from "./sql_protocol.ts";
import { guardSelf } from "./process_limits.ts";

const encoder = new TextEncoder();

/**
 * A result column's values. A 64-bit integer that a number does not hold exactly (|n| > 2^53 − 1)
 * is its decimal text, as database_sql keeps such integers: Polars' toArray rounds Int64 to the
 * nearest double (123456789012345678 came back as …680) and gives UInt64 as bigint.
 */
function cellValues(series: pl.Series): unknown[] {
  const values = series.toArray() as unknown[];
  if (!series.dtype.equals(pl.Int64) && !series.dtype.equals(pl.UInt64)) return values;
  const texts = series.cast(pl.Utf8).toArray() as (string | null)[];
  return texts.map((text, i) => {
    if (text === null) return values[i];
    const value = Number(text);
    return Number.isSafeInteger(value) ? value : text;
  });
}

/**
 * The statement as a lazy frame. nodejs-polars 0.25's SQLContext.execute does not throw on a
 * statement it cannot plan (an unknown table or column, a syntax error): it returns a lazy frame
 * around the Error, whose first use fails as "_ldf.slice is not a function". Its own message says
 * what is wrong, so it is thrown here.
 */
function executed(context: ReturnType<typeof pl.SQLContext>, statement: string): pl.LazyDataFrame {
  const lazy = context.execute(statement);
  const inner = (lazy as unknown as { _ldf?: unknown })._ldf;
  if (inner instanceof Error) throw inner;
  return lazy;
}

/**
 * Polars' file-reading table functions (read_csv, read_parquet, read_json, read_ipc, scan_…) as
 * a call: the name, maybe quoted (in '…' too: sqlparser reads a string where a table goes as a
 * name), then a ( or a comment before it (spaces as Polars reads them: U+0085 too), or a dot
 * (Polars calls a qualified name's first part: read_csv.x(…) reads a file). Matched in the raw
 * text, not after reading strings and comments as the gate does: a mistake in that reading
 * cannot let one through here.
 */
const FILE_FUNCTION_CALL = new RegExp(
  `\\b(?:read|scan)_[A-Za-z0-9_]*["'\`]?[\\s${ENGINE_ONLY_SPACES}]*(?:\\(|\\.|/\\*|--)`,
  "i",
);

/**
 * Why the process refuses a statement, or null: the gate's refusal (a second look), or a
 * file-reading call named anywhere in its text.
 */
export function refusal(sql: string): string | null {
  if (FILE_FUNCTION_CALL.test(sql)) {
    return "the statement names a file-reading function (read_… or scan_…), refused even inside a string or comment: reword the text or rename what starts read_ or scan_";
  }
  try {
    checkReadOnlySelect(sql, "polars");
  } catch (error) {
    return (error as Error).message;
  }
  return null;
}

/** One statement's answer (in the process). */
async function answer(request: Request): Promise<Answer> {
  const refused = refusal(request.sql);
  if (refused) return { ok: false, message: refused, refused: true };
  try {
    const scans: Record<string, pl.LazyDataFrame> = {};
    for (const [name, path] of Object.entries(request.tables)) {
      scans[name] = typeof path === "string" ? pl.scanParquet(path) : pl.concat(
        path.map((piece) => pl.scanParquet(piece)),
        { how: "verticalRelaxed" },
      );
    }
    const context = pl.SQLContext(scans as unknown as Record<string, pl.DataFrame>);
    // collect, not collectSync: Polars computes on its threads while this one keeps the guards
    const counted = Math.max(COUNTED_ROWS, request.maxRows);
    const result = await executed(context, request.sql).limit(counted + 1).collect();
    const truncated = result.height > request.maxRows;
    // null: more than `counted`
    const total = result.height > counted ? null : result.height;
    const capped = truncated ? result.head(request.maxRows) : result;
    const arrays = capped.columns.map((name) => cellValues(capped.getColumn(name)));
    // an unaliased count(…) named count, not Polars' len or its column's name
    const columns = countColumnNames(request.sql, capped.columns);
    const rows: Row[] = [];
    for (let i = 0; i < capped.height; i++) {
      const row: Row = {};
      columns.forEach((name, c) => (row[name] = jsonCell(arrays[c][i])));
      rows.push(row);
    }
    return { ok: true, columns, rows, truncated, total };
  } catch (error) {
    return { ok: false, message: (error as Error)?.message ?? String(error) };
  }
}

/**
 * The answer, with the statement's limits kept here as well (guardSelf): a server that ended (or
 * was killed) mid-statement can no longer stop it.
 */
async function guardedAnswer(request: Request): Promise<Answer> {
  const unguard = guardSelf(request);
  try {
    return await answer(request);
  } finally {
    unguard();
  }
}

async function main(): Promise<never> {
  // tests only: a start held as a stuck disk would hold it (sqlStartHoldForTests)
  const hold = Deno.args.find((arg) => arg.startsWith(HOLD_START_ARG));
  if (hold) await Deno.readFile(hold.slice(HOLD_START_ARG.length));
  await Deno.stdout.write(encoder.encode(READY_LINE + "\n")); // (Polars is loaded: imported above)
  const requests: Request[] = [];
  const waiting: { arrived: (() => void) | null } = { arrived: null };
  // The lifeline: stdin ends when the server does; this process ends then, even mid-statement.
  (async () => {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of Deno.stdin.readable) {
      buffered += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = buffered.indexOf("\n")) >= 0) {
        const text = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        if (text.trim()) requests.push(JSON.parse(text) as Request);
        waiting.arrived?.();
      }
    }
    Deno.exit(0);
  })();
  while (true) {
    if (requests.length === 0) {
      await new Promise<void>((resolve) => (waiting.arrived = resolve));
    }
    const request = requests.shift();
    if (!request) continue;
    const bytes = encoder.encode(answerLine(await guardedAnswer(request)) + "\n");
    // a write of any size goes whole before the next answer
    for (let written = 0; written < bytes.length;) {
      written += await Deno.stdout.write(bytes.subarray(written));
    }
  }
}

if (import.meta.main) await main();
