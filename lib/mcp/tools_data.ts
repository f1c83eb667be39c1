/** Tools over the dataset itself: describe it, SQL over it, one organization, database SQL, export. */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp";
import type pl from "nodejs-polars";
import { z } from "zod";
import { strictInput } from "./input_schema.ts";
import type { DatasetStore } from "./dataset.ts";
import { describeDatasetResult } from "./describe.ts";
import { findOrganization, organizationProfile } from "./organization.ts";
import { organizationOut } from "./organization_answer.ts";
import { progressSender } from "./progress.ts";
import {
  DESCRIBE_DATASET_OUTPUT,
  ORGANIZATION_OUTPUT,
  QUERY_SQL_OUTPUT,
} from "./output_schemas.ts";
import {
  cutTableOut,
  fittingResult,
  guarded,
  jsonBytes,
  tableBudget,
  textResult,
} from "./result.ts";
import { AS_OF_TIME, HISTORY_TABLE, historyTable, snapshotDates } from "./history.ts";
import { FRAME_TABLE, queryDatabase, queryTables } from "./sql.ts";
import { COUNTED_ROWS } from "./sql_protocol.ts";
import { historyAsOfHint, missingValuesHint, ratioMeanHint } from "./sql_hints.ts";
import { MAX_WAITING, type PiecewiseTable, WAIT_DEADLINES } from "./sql_process.ts";
import { DATA_NOTE } from "./text.ts";
import { answerFrom } from "./served_note.ts";

/** What a cut SQL table suggests (only the SQL tools take a query to narrow). */
const SQL_ADVICE = "narrow the query or aggregate";

/**
 * Production's quirks, as the kit's own queries (queries/postgres, queries/clickhouse) and
 * /work/shared/spec/production-schema.md state them: without them a natural query miscounts.
 */
const DATABASE_RULES =
  "Production's rules (the export applies them; its SQL: queries/postgres/organizations.sql, " +
  "prompts_created.sql, queries/clickhouse/usage_30d.sql, ptb_spend.sql). ClickHouse: " +
  "request_response_rmt keeps re-inserted versions of a request until parts merge: write " +
  "`FROM request_response_rmt FINAL` or count() and sum(cost) overcount. cost is UInt64 " +
  "nano-USD (USD × 1e9): divide by 1e9. The export's window is " +
  "[as_of - days, as_of). Compare booleans with 0/1 (is_passthrough_billing = 1 PTB, = 0 " +
  "BYOK). The export's PTB cost leaves out cache hits (cache_reference_id != " +
  "toUUID('00000000-0000-0000-0000-000000000000')). organization_ptb_spend (all-time PTB " +
  "spend, nano-USD) has several rows per organization: sum(spend) … GROUP BY organization_id. " +
  "ClickHouse also holds deleted and demo organizations' traffic. PostgreSQL: the export keeps " +
  "an organization only when NOT soft_delete, its tier lowercased and trimmed of blanks IS " +
  "DISTINCT FROM 'demo' (a null tier is free) and created_at is null or before the as-of. " +
  "seats = count(DISTINCT member) FROM organization_member (created_at null or before the " +
  "as-of); active users: auth.users.last_sign_in_at in the window; prompts: prompts_2025 WHERE " +
  "NOT soft_delete plus prompt_v2 WHERE soft_delete IS NOT TRUE. prompt_v3 and " +
  "user_settings.last_active do not exist. MRR comes from the Stripe API, not these tables.";

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, openWorldHint: false };

export function registerDataTools(server: McpServer, store: DatasetStore) {
  const settings = store.settings;
  server.registerTool("describe_dataset", {
    title: "Describe the pricing dataset",
    description:
      "Start here. Says what the data is: as-of time, the usage window, demo or live, number of " +
      "organizations, its warnings (read them first), every column with its type, unit and " +
      "definition (the text gives each column's first sentence and, in a few words, what an " +
      "earlier as-of does to it; structuredContent.columns, with " +
      "as_of_effects, and the pricing://dictionary resource define each in full), the cost " +
      "model, both margin " +
      "bases (spec: all LLM cost; company: the company's own cost) with their definitions, the " +
      "per-plan unit-economics table (revenue-weighted; its notes on the data, as the brief prints " +
      "them: organizations created inside the window, other currencies) and the history " +
      "snapshots (as-of dates). " +
      "Plan names are data. " +
      "Call it before writing SQL so you use the real column names.",
    inputSchema: strictInput({}),
    outputSchema: DESCRIBE_DATASET_OUTPUT,
    annotations: READ_ONLY,
  }, () =>
    guarded(async () => {
      return await describeDatasetResult(store, settings.maxBytes);
    }));

  server.registerTool("query_sql", {
    title: "SQL over the pricing export",
    description:
      `Runs one read-only SELECT (Polars SQL dialect) over table ${FRAME_TABLE}: one row per ` +
      "organization, the export's columns (see describe_dataset). Use it for any question the " +
      "other tools do not answer directly: filters, GROUP BY tier, ORDER BY ... LIMIT. Only one " +
      `SELECT/WITH statement; writes and file functions are refused. At most ${settings.maxRows} ` +
      "rows come back: aggregate rather than list; text values too long to fit come back cut, " +
      "marked …(cut, N chars). Returns a compact table and the rows as JSON; a division by " +
      'zero\'s infinity or NaN reads inf, -inf, NaN in the table and "Infinity", ' +
      '"-Infinity", "NaN" in the JSON rows (JSON has no such numbers), null is no value. ' +
      "No row reads (0 rows). A text value compared (=, IN) that no organization has is named " +
      "with the nearest there is, in the last line and `hint` (plan = 'pro 2025-12-01': did " +
      'you mean "pro 2025-12-10"?); an unknown column names the one meant. ' +
      "A ratio column (gross_margin_pct, cost_per_request, …) is each organization's own: " +
      "avg() of it weighs a $10 customer as a $10,000 one, so a group's margin is a ratio of " +
      "sums, (sum(mrr) - sum(llm_cost_30d)) / sum(mrr) * 100, as `hint` says when avg() is used. " +
      "ORDER BY x DESC puts rows whose x is null (unknown, e.g. list_price_mrr of a contract " +
      "plan) first, as PostgreSQL does: write ORDER BY x DESC NULLS LAST for the largest. " +
      "Queries run one " +
      `at a time and up to ${MAX_WAITING} wait their turn (each at most ` +
      `${settings.sqlTimeoutMs * WAIT_DEADLINES / 1000} s), so several sent at once all answer. ` +
      `Table ${HISTORY_TABLE} holds every history snapshot (describe_dataset lists them): the ` +
      "same columns plus as_of ('YYYY-MM-DD' text; 'YYYY-MM-DDTHH:MM:SSZ' for a snapshot not at 00:00 UTC, " +
      "'YYYY-MM-DDTHH:MM:SS.mmmZ' when its milliseconds are not 0) and " +
      `${AS_OF_TIME} (its instant, a UTC datetime: order by it, as text as_of is out of time ` +
      "order within a second), for trends, e.g. SELECT as_of, sum(mrr) " +
      `FROM ${HISTORY_TABLE} GROUP BY as_of, ${AS_OF_TIME} ORDER BY ${AS_OF_TIME}. ` +
      "After the export's columns it has mrr_recurring_minor (recurring MRR in the billing " +
      "currency's minor units, exact), mrr_recurring_native (the same in the currency's units: " +
      "sum it GROUP BY currency, never across currencies) and mrr_recurring_minor_stored (false: " +
      "a snapshot written before the kit stored native amounts, or imported from an export file; " +
      "its native columns are empty, not 0: use mrr_recurring there). " +
      DATA_NOTE,
    inputSchema: strictInput({
      sql: z.string().min(1).max(20_000).describe(
        `one SELECT statement over ${FRAME_TABLE}, e.g. SELECT tier, count(*) AS orgs, sum(mrr) AS mrr FROM ${FRAME_TABLE} GROUP BY tier ORDER BY mrr DESC`,
      ),
    }),
    outputSchema: QUERY_SQL_OUTPUT,
    annotations: READ_ONLY,
  }, ({ sql }, extra) =>
    guarded(async () => {
      // Loaded while the statement holds its place in the queue (taken on arrival): the
      // snapshots only for a statement that names the history table.
      const served = store.current();
      served.catch(() => {}); // (its failure is the tables')
      const tables = (async () => {
        const dataset = await served;
        const tables: Record<string, pl.DataFrame | PiecewiseTable> = {
          [FRAME_TABLE]: dataset.frame,
        };
        if (names(sql, HISTORY_TABLE)) {
          tables[HISTORY_TABLE] = await historyTable(settings, {
            demo: dataset.demo,
            shape: dataset.frame,
          });
        }
        return tables;
      })();
      tables.catch(() => {}); // (a statement the gate refuses never waits for it)
      // what a refused now() is told of; read only when a statement fails
      const asOf = served.then((dataset) => dataset.asOf);
      asOf.catch(() => {}); // (its failure is the tables')
      // the client's cancel or timeout, or the session's end: the statement leaves the queue,
      // or its process is killed (it would hold the process to its deadline)
      // its place in the queue and its run's start go out as progress when the client asked: a
      // statement may wait 2 × its deadline, then run 1 ×, past the SDK client's 60 s default
      const result = await queryTables(tables, sql, {
        maxRows: settings.maxRows,
        timeoutMs: settings.sqlTimeoutMs,
        maxMb: settings.sqlMaxMb,
        startMs: settings.sqlStartMs,
        signal: extra.signal,
        onProgress: progressSender(extra),
        asOf,
      });
      // the rows share the cap with the column names and the other fields
      // the real total when the count knew it (null: more than COUNTED_ROWS)
      const dataset = await served;
      const history = names(sql, HISTORY_TABLE);
      const asOfs = history ? await snapshotDates(settings, dataset.demo) : [];
      return answerFrom({ dataset, maxBytes: settings.maxBytes }, (maxBytes) => {
        const table = cutTableOut(result.columns, result.rows, {
          maxBytes: tableBudget(maxBytes, jsonBytes(result.columns) + 128),
          total: result.total ?? COUNTED_ROWS,
          moreThan: result.total === null,
          advice: SQL_ADVICE,
        });
        // a compared value no organization has makes its comparison false, whatever the rows:
        // named with the nearest there is (a typo read as "no such organizations", or a count of
        // 0); over pricing_data, whose values are at hand, and history's as-of keys (an export's
        // snapshot is keyed with its time). No row is said as such.
        const valuesHint = history
          ? historyAsOfHint(sql, asOfs)
          : missingValuesHint(sql, dataset.frame);
        // an average of a per-organization ratio, read as a group's figure: the ratio of sums
        const meanHint = ratioMeanHint(sql, {
          columns: dataset.frame.columns,
          windowDays: history ? null : dataset.window.days,
        });
        const hint = [valuesHint, meanHint].filter((note) => note !== null).join("; ") || null;
        const notes = [...(result.total === 0 ? ["0 rows"] : []), ...(hint ? [hint] : [])];
        const empty = notes.length > 0 ? `\n(${notes.join("; ")})` : "";
        return textResult(table.text + empty, {
          columns: result.columns,
          rows: table.rows,
          row_count: table.rows.length,
          total_rows: result.total,
          truncated: result.truncated || table.cut > 0 || table.textCut !== null,
          ...(hint ? { hint } : {}),
        }, { maxBytes });
      });
    }));

  server.registerTool("organization", {
    title: "One organization against its peers",
    description:
      "Looks up one organization by org_id (in any case) or name (exact, case and all; else " +
      "exact in any case; else a unique part of it) and " +
      "returns its full row, the medians of its tier and of its plan (its own `plan` column) " +
      "for every numeric " +
      "metric, and its percentile in each metric among the organizations with a value (percent " +
      "at or below it; an empty cell is left out). describe_dataset's per-plan table counts " +
      "a Stripe customer several organizations share, with all of them, in the plan of the row carrying its revenue: per_plan_table " +
      "says under which plan and with how many organizations it counts this one. An empty mrr " +
      "is said in `revenue` (and a note line): on a sibling's row (its shared customer's revenue, " +
      "that row named) or unknown, never $0. " +
      "When several match, the error lists their org_ids; when none does, the nearest names " +
      "or ids and how to list them all. " + DATA_NOTE,
    inputSchema: strictInput({
      org: z.string().min(1).max(500).describe("org_id (UUID) or organization name"),
    }),
    outputSchema: ORGANIZATION_OUTPUT,
    annotations: READ_ONLY,
  }, ({ org }) =>
    guarded(async () => {
      const dataset = await store.current();
      const profile = organizationProfile(dataset.frame, findOrganization(dataset.frame, org));
      return answerFrom({ dataset, maxBytes: settings.maxBytes }, (maxBytes) =>
        fittingResult(
          (maxChars) => organizationOut(profile, { maxChars, windowDays: dataset.window.days }),
          maxBytes,
        ));
    }));

  if (settings.databaseSql) {
    server.registerTool("database_sql", {
      title: "Read-only SQL on production PostgreSQL or ClickHouse",
      description:
        "Runs one read-only SELECT directly on the production database: postgres (organization, " +
        "organization_member, auth.users, prompts_2025, prompt_v2) or clickhouse " +
        "(request_response_rmt, organization_ptb_spend). It runs in the export's read-only " +
        "sessions (PostgreSQL READ ONLY transaction with a statement timeout; ClickHouse " +
        "readonly with max_execution_time). PostgreSQL runs in UTC, as the export: timestamptz " +
        "comes back as a UTC instant (…Z), date and timestamp as written (2026-11-01, " +
        "2026-11-01 10:00:00), and date_trunc or ::date cut UTC's months and days. ClickHouse " +
        "writes a DateTime in its column's zone, the server's when the column names none: " +
        "toUnixTimestamp(col) or toString(col, 'UTC') say UTC. Infinity and NaN come back as " +
        'inf, -inf, NaN in the table and "Infinity", "-Infinity", "NaN" in the JSON rows, ' +
        "but ClickHouse sends inf and nan as null: isInfinite(x) and isNaN(x) tell them from " +
        "NULL. Only one SELECT/WITH statement; " +
        `writes are refused; at most ${settings.maxRows} rows, and an answer past ` +
        `${settings.databaseSqlMaxMb} MB is stopped (cut wide values with substring(col, 1, 1000)); ` +
        "text values too long to fit come back cut, marked …(cut, N chars). Two run at once per database, two " +
        "wait, more are refused as busy; a cancelled request's query stops on the database. " +
        "Prefer query_sql over the export: " +
        "use this only for what the export does not hold. " + DATABASE_RULES + " " + DATA_NOTE,
      inputSchema: strictInput({
        database: z.enum(["postgres", "clickhouse"]).describe("which database"),
        sql: z.string().min(1).max(20_000).describe(
          "one SELECT statement in that database's dialect",
        ),
      }),
      annotations: { ...READ_ONLY, openWorldHint: true },
    }, ({ database, sql }, extra) =>
      guarded(async () => {
        // the client's cancel or timeout, the session's end or the server's stop cancels it
        const stops = [extra.signal, store.hooks.signal].filter((s) => s !== undefined);
        const result = await queryDatabase(settings.env, {
          database,
          sql,
          maxRows: settings.maxRows,
          maxMb: settings.databaseSqlMaxMb,
          signal: AbortSignal.any(stops),
        });
        const table = cutTableOut(result.columns, result.rows, {
          maxBytes: tableBudget(settings.maxBytes, jsonBytes(result.columns) + 160),
          moreThan: result.truncated,
          advice: SQL_ADVICE,
        });
        return textResult(table.text, {
          database,
          columns: result.columns,
          rows: table.rows,
          row_count: table.rows.length,
          truncated: result.truncated || table.cut > 0 || table.textCut !== null,
        }, { maxBytes: settings.maxBytes });
      }));
  }

  if (settings.allowExport) {
    server.registerTool("run_export", {
      title: "Run a fresh export",
      description:
        "Runs the export pipeline now (databases and Stripe when configured, else demo data), " +
        "writes its files into the exports folder, replacing an export of the same date and " +
        "window, and its history snapshot (removing daily snapshots of a closed month past " +
        "PRICING_HISTORY_KEEP_DAILY_DAYS, as deno task export does), " +
        "and makes it the dataset (a window other " +
        "than 30 days only when no 30-day export of that date exists: the answer says which is " +
        "served). One runs at a time: a request for the same window while one runs shares it, " +
        "one for another window is refused. Cancelling the request (or its timing out) stops " +
        "the export, nothing written, unless another request shares it: it stops once every " +
        "request sharing it has gone. " +
        "Takes minutes on production: use it only when describe_dataset shows the data is too old.",
      inputSchema: strictInput({
        days: z.number().int().min(1).max(3660).default(30).describe("window length in days"),
      }),
      // destructive: it replaces an export of the same date and window, and removes old daily
      // snapshots (MCP: false means additive updates only)
      annotations: {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: true,
      },
    }, ({ days }, extra) =>
      guarded(async () => {
        // the client's cancel or timeout: the run stops unless another request shares it. A
        // production export takes minutes: its steps go out as progress when the client asked
        // (a client that resets its timeout on progress, the SDK's resetTimeoutOnProgress, then
        // does not give up on it, which would stop it)
        const send = progressSender(extra);
        const run = await store.exportNow(days, {
          request: extra.signal,
          onProgress: send &&
            (({ step, steps, message }) => send(message, { progress: step, total: steps })),
        });
        const served = run.dataset.source.path ?? null;
        // of one date the 30-day export is served: another window's run says it is not the data
        const servedNote = served === run.path
          ? ""
          : `; the dataset served stays ${
            served ?? "the demo dataset in memory"
          } (of one date the 30-day export is served)`;
        return textResult(
          `exported ${run.rows} organizations as of ${run.asOf.toISOString()} over ${run.windowDays} days to ${run.path}${servedNote}`,
          {
            as_of: run.asOf.toISOString(),
            row_count: run.rows,
            window_days: run.windowDays,
            path: run.path,
            served_path: served,
          },
          { maxBytes: settings.maxBytes },
        );
      }));
  }
}

/** The statement names the table (a word of it: history, not history_x). */
function names(sql: string, table: string): boolean {
  return new RegExp(`\\b${table}\\b`, "i").test(sql);
}
