/**
 * What passes between the MCP server and its SQL process (lib/mcp/sql_launch.ts starts it,
 * lib/mcp/sql_process.ts feeds it, lib/mcp/sql_child.ts is the process): one JSON line per
 * statement on stdin, one JSON line per answer on stdout, in order, after READY_LINE; the limits
 * both sides keep (kept as every tool process's are: process_limits.ts, with its exit codes).
 */
import type { Row } from "./text.ts";

/** A statement's limits: its rows, its deadline and its memory cap. */
export interface FrameSqlLimits {
  maxRows: number;
  /** the statement's deadline, from when the process starts it */
  timeoutMs: number;
  /** the process's resident memory at most, in MB (it is killed past it) */
  maxMb: number;
}

/**
 * What the process is asked: one checked statement over Parquet files by table name, with its
 * limits (kept by the process too: see guardedAnswer in sql_child.ts).
 */
export interface Request extends FrameSqlLimits {
  sql: string;
  /** table name → Parquet file, or the files of a table given in pieces (read as one) */
  tables: Record<string, string | string[]>;
}

/**
 * The process's first line on stdout, once it has loaded Polars: a statement's deadline runs from
 * its start in the process, and starting one took seconds on a loaded machine.
 */
export const READY_LINE = '{"ready":true}';

/**
 * Tests only (sqlStartHoldForTests in sql_launch.ts): the process's argument `--hold-start=FIFO`
 * makes it read FIFO to its end before READY_LINE.
 */
export const HOLD_START_ARG = "--hold-start=";

/** A statement's result, or Polars' own message when it could not run it (or why it was refused). */
export type Answer =
  | { ok: true; columns: string[]; rows: Row[]; truncated: boolean; total: number | null }
  | { ok: false; message: string; refused?: boolean };

/**
 * An answer's line on stdout. A cell JSON has no number for (Infinity, -Infinity, NaN: a division
 * by zero) goes as `{"nonFinite":"Infinity"}`, read back by readAnswer: JSON.stringify wrote null,
 * and a plain string would read back as text. (A cell is never an object otherwise.)
 */
export function answerLine(answer: Answer): string {
  return JSON.stringify(
    answer,
    (_key, value) =>
      typeof value === "number" && !Number.isFinite(value) ? { nonFinite: String(value) } : value,
  );
}

/** An answer from its line (answerLine). */
export function readAnswer(line: string): Answer {
  return JSON.parse(
    line,
    (_key, value) =>
      value !== null && typeof value === "object" && typeof value.nonFinite === "string" &&
        Object.keys(value).length === 1
        ? Number(value.nonFinite)
        : value,
  );
}

/**
 * Rows a statement's result is counted to: past maxRows the answer says how many there were (a
 * model shown 42 of 400 knows what it is missing), up to this many; more is "more than" it.
 * One collect, no second run of the statement: at most this many rows are held.
 */
export const COUNTED_ROWS = 10_000;
