/**
 * THE reader of a history snapshot's sidecar (`<name>.parquet.json`: origin, exact as-of, row
 * count, warnings, price book, the sums cache). A sidecar is a file anyone can edit or cut short,
 * so each field is checked: a damaged one is read as missing (the snapshot then reads by its file
 * name alone) and comes with a one-line warning naming it and the fix. Every reader (the export's
 * history, history report/backfill/import, compare, the MCP server) goes through here, so none
 * fails on it or takes it silently.
 */
import { basename } from "node:path";
import { quoteParameter } from "../core/quote.ts";
import { specialFileProblem } from "./files.ts";
// (the history folder's layout, read here so that every reader of a sidecar finds it)
import { sidecarWhereItLies } from "../history/snapshot_aside.ts";
import { isUnmappedRecord, type UnmappedRecord } from "../revenue/unmapped_record.ts";

export type SnapshotOrigin = "export" | "import" | "backfill";

/** Which price book priced a snapshot: its file name and the SHA-256 of the bytes read. */
export interface PriceBookId {
  name: string;
  sha256: string;
}

export interface SnapshotMeta {
  as_of: string;
  demo: boolean;
  origin: SnapshotOrigin;
  /** the file an import came from */
  source_file?: string;
  row_count: number;
  /** organizations whose MRR is known (mrr_recurring filled); in sidecars written since 2026-12 */
  mrr_known?: number;
  written_at: string;
  warnings: string[];
  /**
   * one kind per warning, in its order (lib/core/warning_kinds.ts), as an export's manifest
   * stores them; in sidecars written since kinds were stored (older ones: none)
   */
  warning_kinds?: string[];
  /**
   * the price book that priced its `plan` and `list_price_mrr`; in sidecars of exports and
   * backfills written since 2026-12, and of imports whose manifest names it (older ones and
   * imports without a manifest: unknown)
   */
  price_book?: PriceBookId;
  /**
   * USD per unit of each currency (upper-case code) that converted its Stripe amounts
   * (PRICING_FX_RATES, the demo's rate); in sidecars of exports and backfills written since
   * 2026-12 (older ones and imports: unknown). The history's converted bridge values a customer's
   * end MRR at the start snapshot's rate by them (lib/history/bridge_fx.ts).
   */
  fx_rates?: Record<string, number>;
  /**
   * the MRR at its as-of of Stripe customers no organization maps to (in Stripe's dashboard, in no
   * row; lib/revenue/unmapped.ts), all 0 when every one with MRR maps; in sidecars of exports that
   * read revenue, written since 2026-12, and of imports whose manifest records some (older ones,
   * backfills and the others: not recorded, never read as 0)
   */
  unmapped_customers?: UnmappedRecord;
}

export interface SidecarRead {
  /** the checked sidecar; null when there is none or it is damaged */
  meta: SnapshotMeta | null;
  /** the whole object (other keys too, history_sums), when meta is not null */
  raw: Record<string, unknown> | null;
  /** the one-line warning about a damaged sidecar; null when it is fine or missing */
  warning: string | null;
}

const ORIGINS: readonly string[] = ["export", "import", "backfill"];
/** What every kit's writer gives (Date.toISOString), with an offset allowed for hand edits. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A value as the warning quotes it: one line, cut short (quoteParameter), or "missing". */
function shown(value: unknown): string {
  return value === undefined ? "missing" : quoteParameter(value);
}

/** Whether `value` is FX rates as a sidecar (or a manifest) records them: `{"EUR": 1.08}`. */
export function isFxRates(value: unknown): value is Record<string, number> {
  return !!value && typeof value === "object" && !Array.isArray(value) &&
    Object.entries(value).every(([code, rate]) =>
      /^[A-Z]{3}$/.test(code) && typeof rate === "number" && Number.isFinite(rate) && rate > 0
    );
}

/** What is wrong with a parsed sidecar, one phrase per field; empty when nothing is. */
export function sidecarProblems(value: unknown): string[] {
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    return [`not a JSON object (${shown(value)})`];
  }
  const meta = value as Record<string, unknown>;
  const problems: string[] = [];
  const check = (
    key: string,
    ok: (v: unknown) => boolean,
    { want, optional = false }: { want: string; optional?: boolean },
  ) => {
    const v = meta[key];
    if (optional && v === undefined) return;
    if (!ok(v)) problems.push(`${key} is ${shown(v)}, not ${want}`);
  };
  const instant = (v: unknown) =>
    typeof v === "string" && INSTANT.test(v) && !Number.isNaN(Date.parse(v));
  const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  check("as_of", instant, { want: "an ISO instant" });
  check("demo", (v) => typeof v === "boolean", { want: "true or false" });
  check("origin", (v) => typeof v === "string" && ORIGINS.includes(v), {
    want: "export, import or backfill",
  });
  check("row_count", count, { want: "a count of rows" });
  check("written_at", instant, { want: "an ISO instant" });
  check("warnings", (v) => Array.isArray(v) && v.every((w) => typeof w === "string"), {
    want: "a list of texts",
  });
  // (a list not one per warning, its warnings edited by hand, is not used: warningKindsFromStored)
  check("warning_kinds", (v) => Array.isArray(v) && v.every((k) => typeof k === "string"), {
    want: "a list of texts",
    optional: true,
  });
  check("source_file", (v) => typeof v === "string", { want: "a file name", optional: true });
  check(
    "mrr_known",
    (v) => count(v) && !(count(meta.row_count) && (v as number) > (meta.row_count as number)),
    { want: "a count of at most row_count", optional: true },
  );
  check(
    "price_book",
    (v) =>
      !!v && typeof v === "object" && typeof (v as PriceBookId).name === "string" &&
      /^[0-9a-f]{64}$/.test(String((v as PriceBookId).sha256)),
    { want: "a name and a SHA-256", optional: true },
  );
  check("fx_rates", isFxRates, {
    want: "currency codes (EUR) with their USD rates (positive numbers)",
    optional: true,
  });
  check("unmapped_customers", isUnmappedRecord, {
    want:
      "customers, mrr_usd, mrr_recurring_usd and unknown_mrr_customers (numbers, 0 or more; and unknown_mrr_reasons' no_fx_rate and no_currency_option when it has them)",
    optional: true,
  });
  return problems;
}

/**
 * The warning about the sidecar of the snapshot at `parquetPath`: what is wrong, what the kit does
 * instead and the fix (a missing sidecar only loses what it records; writing the snapshot again
 * writes a new one).
 */
export function damagedSidecarWarning(parquetPath: string, problems: readonly string[]): string {
  return `history snapshot sidecar ${parquetPath}.json is damaged (${
    problems.join("; ")
  }): read as if missing (as-of from the name ${
    basename(parquetPath)
  }, origin unknown); delete it, or write that snapshot again (an export or history backfill --replace of its as-of) for a new one`;
}

function fromText(parquetPath: string, text: string): SidecarRead {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const why = String((error as Error)?.message ?? error).split("\n")[0];
    return {
      meta: null,
      raw: null,
      warning: damagedSidecarWarning(parquetPath, [`not JSON: ${why}`]),
    };
  }
  const problems = sidecarProblems(value);
  return problems.length > 0
    ? { meta: null, raw: null, warning: damagedSidecarWarning(parquetPath, problems) }
    : {
      meta: value as SnapshotMeta,
      raw: value as Record<string, unknown>,
      warning: null,
    };
}

function failedRead(parquetPath: string, error: unknown): SidecarRead {
  if (error instanceof Deno.errors.NotFound) return { meta: null, raw: null, warning: null };
  const why = String((error as Error)?.message ?? error).split("\n")[0];
  return {
    meta: null,
    raw: null,
    warning: damagedSidecarWarning(parquetPath, [`unreadable: ${why}`]),
  };
}

/** Throws for a sidecar that is a FIFO, device or socket: reading one would wait, or never end. */
function refuseSpecialFile(path: string): void {
  const special = specialFileProblem(path);
  if (special) throw new Error(special);
}

/**
 * The sidecar of the snapshot at `parquetPath`, checked (SidecarRead): `<parquetPath>.json`, or
 * where a killed run left it in a folder not put back yet (sidecarWhereItLies). Read
 * synchronously: a sidecar is a few kilobytes (sidecarWhereItLies looks synchronously too), and
 * the sums cache (sums_cache.ts) reads it from synchronous code.
 */
export function readSnapshotSidecarSync(parquetPath: string): SidecarRead {
  let text: string;
  try {
    refuseSpecialFile(`${parquetPath}.json`);
    text = Deno.readTextFileSync(`${parquetPath}.json`);
  } catch (error) {
    const elsewhere = error instanceof Deno.errors.NotFound
      ? sidecarWhereItLies(parquetPath)
      : null;
    if (elsewhere === null) return failedRead(parquetPath, error);
    try {
      // (a FIFO at the aside name would hold every history reader as one at `.json` would)
      refuseSpecialFile(elsewhere);
      text = Deno.readTextFileSync(elsewhere);
    } catch (error) {
      return failedRead(parquetPath, error);
    }
  }
  return fromText(parquetPath, text);
}

/** readSnapshotSidecarSync, for the many async callers (it never throws). */
export function readSnapshotSidecar(parquetPath: string): Promise<SidecarRead> {
  return Promise.resolve(readSnapshotSidecarSync(parquetPath));
}
