/**
 * The query stage: run the four SQL files in `queries/` (two per engine, at once, with bounded
 * connections) and hand back one typed frame per question plus what each run cost.
 */
import { untilAborted } from "../core/abort.ts";
import type pl from "nodejs-polars";
import type { SourceSettings } from "../core/config.ts";
import { negativeCosts, type QueryColumns } from "./frames.ts";
import { listInWords } from "../core/words.ts";
import { collectDroppedFrames } from "../core/memory.ts";
import { withSpoolDir } from "./spool.ts";
import { checkQueriesDir, type Engine, loadSql, type SqlFile, type SqlParams } from "./sql.ts";

import type { ExportWindow, QueryStat } from "../core/types.ts";
import { compareText } from "../core/text_order.ts";
export type { ExportWindow, QueryStat } from "../core/types.ts";

export interface QueryFrames {
  organizations: pl.DataFrame;
  promptsCreated: pl.DataFrame;
  usage: pl.DataFrame;
  ptbSpend: pl.DataFrame;
}

export interface QueryResults {
  frames: QueryFrames;
  stats: QueryStat[];
  /** e.g. negative costs: exported as they are, but said */
  warnings?: string[];
}

/** Output columns of each query, as its SQL file's header comment lists them. */
export const QUERY_COLUMNS = {
  organizations: {
    org_id: "string",
    org_name: "string",
    tier_raw: "string",
    created_at: "datetime",
    stripe_customer_id: "string",
    org_subscription_status: "string",
    addons_in_metadata: "string",
    seats: "int",
    active_users_30d: "int",
  },
  prompts_created: { org_id: "string", prompts_created: "int" },
  usage_30d: {
    org_id: "string",
    requests_30d: "int",
    ptb_requests_30d: "int",
    byok_requests_30d: "int",
    prompts_used_30d: "int",
    requests_cost_unknown_30d: "int",
    ptb_requests_cost_unknown_30d: "int",
    llm_cost_nano: "nanoUsd",
    llm_cost_ptb_nano: "nanoUsd",
    llm_cost_byok_nano: "nanoUsd",
  },
  ptb_spend: { org_id: "string", ptb_spend_nano: "nanoUsd" },
} satisfies Record<string, QueryColumns>;

/**
 * The export column each cost column becomes (lib/frame/join.ts): warnings name the column a
 * reader of the CSV sees, the query's own in brackets.
 */
const EXPORT_COLUMNS: Record<string, string> = {
  llm_cost_nano: "llm_cost_30d",
  llm_cost_ptb_nano: "llm_cost_ptb_30d",
  llm_cost_byok_nano: "llm_cost_byok_30d",
  ptb_spend_nano: "ptb_spend_all_time",
};

/** `column` as the export names it, and the query's own name where that differs. */
function exportColumnName(column: string): { exported: string; queryNote: string } {
  const exported = EXPORT_COLUMNS[column];
  return exported
    ? { exported, queryNote: `the query's ${column}; ` }
    : { exported: column, queryNote: "" };
}

type QueryName = keyof typeof QUERY_COLUMNS;
/** The queries a query folder's files replace, by engine (see runAll). */
const QUERIES_BY_ENGINE: Record<Engine, QueryName[]> = {
  postgres: ["organizations", "prompts_created"],
  clickhouse: ["usage_30d", "ptb_spend"],
};

export interface QueryOptions {
  /**
   * Called with the organizations frame as soon as that query is done, while the others may
   * still run (the export starts the Stripe revenue from it). An error thrown fails the stage.
   */
  onOrganizations?: (organizations: pl.DataFrame) => void;
  /**
   * Called once, as the first result is in: every query has been sent by then (the export starts
   * its revenue worker there; creating one holds this thread 20–100 ms, which would hold the
   * sending back).
   */
  onFirstResult?: () => void;
  /**
   * Called once, as every query but one is done. The one left is usually ClickHouse's usage, a
   * `FINAL` that keeps one core busy to the end: work started here (the export's chart worker)
   * has the other core, not the three databases' queries' first second.
   */
  onOneLeft?: () => void;
  /** ClickHouse's results are read into Polars only once this has settled (see openClickHouse). */
  clickHouseReadAfter?: Promise<unknown>;
  /**
   * Once aborted, the stage stops: the queries running are cancelled on both servers, the
   * connections closed, the spooled results removed; it rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

/**
 * The four queries' frames. Each result above COLLECT_ABOVE_ROWS is followed by a full collection
 * but the last: the caller collects after the stage (export.ts's stageTimer does).
 */
export async function runQueries(
  settings: SourceSettings,
  window: ExportWindow,
  options: QueryOptions = {},
): Promise<QueryResults> {
  if (!settings.postgres || !settings.clickhouse) throw new Error("both databases are required");
  // Every result is spooled inside one folder, removed once the clients are closed: when a query
  // fails, the others' files go too, even those of a query still running.
  // A missing PRICING_QUERIES_DIR fails before any connection; its stray .sql files are warned of.
  const dirWarnings = settings.queriesDir
    ? await checkQueriesDir(settings.queriesDir, QUERIES_BY_ENGINE)
    : [];
  // Every file is read (and held to the read-only gate) before any connection: one refused
  // fails the stage before any query is sent.
  const files = await loadQueryFiles(settings.queriesDir);
  const both = { ...settings, postgres: settings.postgres, clickhouse: settings.clickhouse };
  const results = await withSpoolDir((spoolDir) =>
    runAll(both, { ...options, window, spoolDir, files })
  );
  return { ...results, warnings: [...dirWarnings, ...(results.warnings ?? [])] };
}

/**
 * The four query files, PRICING_QUERIES_DIR's where it has one (loadSql), one after another: of
 * two refused files the first is said, always the same one.
 */
async function loadQueryFiles(queriesDir: string | undefined): Promise<Record<QueryName, SqlFile>> {
  const files: Partial<Record<QueryName, SqlFile>> = {};
  for (const [engine, names] of Object.entries(QUERIES_BY_ENGINE) as [Engine, QueryName[]][]) {
    for (const name of names) files[name] = await loadSql(engine, name, { queriesDir });
  }
  return files as Record<QueryName, SqlFile>;
}

async function runAll(
  settings: SourceSettings & {
    postgres: NonNullable<SourceSettings["postgres"]>;
    clickhouse: NonNullable<SourceSettings["clickhouse"]>;
  },
  options: QueryOptions & {
    window: ExportWindow;
    spoolDir: string;
    files: Record<QueryName, SqlFile>;
  },
): Promise<QueryResults> {
  const {
    window,
    spoolDir,
    files,
    onOrganizations,
    onFirstResult,
    onOneLeft,
    clickHouseReadAfter,
    signal,
  } = options;
  // the clients' modules (pg, @clickhouse/client) load with the first live query, not with every
  // module that imports this one (a demo export, the CLI's --help: ~20 ms of CPU)
  const [{ openPostgres }, { openClickHouse }] = await Promise.all([
    import("./postgres.ts"),
    import("./clickhouse.ts"),
  ]);
  let firstResult = true;
  let running = 0; // queries not done yet (onOneLeft)
  // Stops every query on its server: at the caller's abort, and at the first query's failure
  // (else the stage waited for the others, a slow one up to its timeout, before saying why).
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal!.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  const postgres = openPostgres(settings.postgres, { spoolDir, signal: stop.signal });
  const clickhouse = openClickHouse(settings.clickhouse, {
    spoolDir,
    readAfter: clickHouseReadAfter,
    signal: stop.signal,
  });
  const params: SqlParams = {
    window_start: window.start,
    window_end: window.end,
    as_of: window.end,
    request_table: settings.clickhouse.requestTable,
    ptb_table: settings.clickhouse.ptbTable,
  };
  const stats: QueryStat[] = [];
  const warnings: string[] = [];
  const clickHouseSessionStat = async () => {
    const session = await clickhouse.session();
    return { settingsSent: session.settings, profileReadonly: session.profileReadonly };
  };
  const run = async (engine: Engine, name: QueryName): Promise<pl.DataFrame> => {
    const sql = files[name];
    const started = performance.now();
    const columns = QUERY_COLUMNS[name];
    // Results as CSV files into Polars (COPY on PostgreSQL, CSVWithNames on ClickHouse): no row
    // objects, no result in JS memory.
    const infinite: Record<string, number> = {};
    // (a holder: a variable set in the callback would read as never set after it)
    const nonFinite: { found?: { perColumn: Record<string, number>; rows: number } } = {};
    const frame = await (engine === "postgres" ? postgres : clickhouse)
      .queryFrame(sql, params, columns, {
        onInfiniteTimestamps: (column, rows) => infinite[column] = rows,
        onNonFinite: (perColumn, rows) => nonFinite.found = { perColumn, rows },
      });
    // The text columns Polars read the file into are garbage now: free them before the other
    // queries' results arrive, not at the end of the stage. Not after the last result: the
    // stage's own collection follows at once (export.ts's stageTimer), and a second full one
    // back to back frees nothing more, on the stage's path after ClickHouse's last byte.
    if (running > 1) await collectDroppedFrames({ rows: frame.height });
    if (firstResult) {
      firstResult = false;
      onFirstResult?.();
    }
    if (name === "organizations") onOrganizations?.(frame);
    if (--running === 1) onOneLeft?.();
    const negative = negativeCosts(frame, QUERY_COLUMNS[name]);
    // "<file>: 3 organizations have …", per column a reading counted
    const counted = (counts: Record<string, number>, what: (column: string) => string) => {
      for (const [column, count] of Object.entries(counts)) {
        const have = count === 1 ? "organization has" : "organizations have";
        warnings.push(`${sql.file}: ${count} ${have} ${what(column)}`);
      }
    };
    counted(negative, (c) => {
      const { exported, queryNote } = exportColumnName(c);
      return `a negative ${exported} (${queryNote}costs are never negative; exported as read)`;
    });
    counted(
      infinite,
      (c) =>
        `${c} infinity or -infinity (PostgreSQL's timestamps past every date), exported as unknown (empty)`,
    );
    if (nonFinite.found) warnings.push(nonFiniteWarning(sql.file, nonFinite.found));
    stats.push({
      name,
      file: sql.file,
      sha256: sql.sha256,
      rows: frame.height,
      durationMs: Math.round(performance.now() - started),
      ...(engine === "clickhouse" ? await clickHouseSessionStat() : {}),
      ...(Object.keys(negative).length > 0 ? { negativeValues: negative } : {}),
      ...(nonFinite.found ? { nonFiniteValues: nonFinite.found.perColumn } : {}),
    });
    return frame;
  };
  try {
    const queries = [
      run("postgres", "organizations"),
      run("postgres", "prompts_created"),
      run("clickhouse", "usage_30d"),
      run("clickhouse", "ptb_spend"),
    ] as const;
    running = queries.length; // (a query is done at the earliest a turn after it was sent)
    const [organizations, promptsCreated, usage, ptbSpend] = await untilAborted(
      Promise.all(queries),
      signal,
    );
    stats.sort((a, b) => compareText(a.name, b.name));
    warnings.sort();
    warnings.push(...emptyResultWarnings({ organizations, usage }, { settings, window, stats }));
    const session = await clickhouse.session();
    if (!("max_execution_time" in session.settings)) {
      const why = session.profileReadonly === "1"
        ? "the user's profile is readonly=1 and refuses every setting"
        : "PRICING_CH_READONLY=off";
      warnings.push(
        `ClickHouse: no settings were sent (${why}), so no server-side time limit; each query waited at most PRICING_CH_REQUEST_TIMEOUT_SECONDS (${settings.clickhouse.requestTimeoutSeconds} s)`,
      );
    }
    return { frames: { organizations, promptsCreated, usage, ptbSpend }, stats, warnings };
  } catch (error) {
    if (signal?.aborted) throw signal.reason; // (a query's error is the abort's)
    stop.abort(error); // the other queries are stopped, not waited for
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    // (after an abort or a failure: once the queries were stopped on the servers)
    await Promise.allSettled([postgres.close(), clickhouse.close()]);
  }
}

/**
 * The one warning of a result's NaN and ±inf numbers (a Float64 sum over a bad row, a data error):
 * how many organizations, and in which columns (as the export names them) how many, read as
 * unknown rather than 0, so a total over them is short by an unknown amount.
 */
function nonFiniteWarning(
  file: string,
  { perColumn, rows }: { perColumn: Record<string, number>; rows: number },
): string {
  const columns = Object.entries(perColumn).map(([column, count]) => {
    const { exported, queryNote } = exportColumnName(column);
    return `${exported} ${count}${queryNote ? ` (${queryNote.replace(/; $/, "")})` : ""}`;
  });
  const have = rows === 1 ? "organization has" : "organizations have";
  return `${file}: ${rows} ${have} a value that is not a finite number (NaN or ±inf: a data error in the database) in ${
    listInWords(columns)
  }; exported as unknown (empty), not 0, and left out of totals; fix the rows the query sums`;
}

/**
 * Results that exported without error but say nothing: no organizations (an empty or wrong
 * PostgreSQL database), no usage in the window (a wrong ClickHouse database or table, or a
 * window before the data). Each is said, naming the settings to check, not exported silently.
 */
function emptyResultWarnings(
  frames: Pick<QueryFrames, "organizations" | "usage">,
  context: {
    settings: SourceSettings & { clickhouse: NonNullable<SourceSettings["clickhouse"]> };
    window: ExportWindow;
    stats: QueryStat[];
  },
): string[] {
  const { settings, window, stats } = context;
  const file = (name: QueryName) => stats.find((stat) => stat.name === name)?.file ?? name;
  const warnings: string[] = [];
  if (frames.organizations.height === 0) {
    warnings.push(
      `PostgreSQL: ${
        file("organizations")
      } returned no organizations, so the export has no rows; check that PRICING_PG_URL names the production database and that it has organizations created before the as-of (${window.end.toISOString()})`,
    );
  }
  if (frames.usage.height === 0) {
    const { database, requestTable } = settings.clickhouse;
    warnings.push(
      `ClickHouse: ${
        file("usage_30d")
      } returned no requests in the window ${window.start.toISOString()} to ${window.end.toISOString()}, so every organization's usage is 0; check PRICING_CH_DATABASE (${database}), PRICING_CH_REQUEST_TABLE (${requestTable}) and the window (--as-of, --days)`,
    );
  }
  return warnings;
}
