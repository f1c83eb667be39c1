/** Tools over the dataset itself: describe it, SQL over it, one organization, database SQL, export. */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp";
import { z } from "zod";
import { COLUMNS } from "../frame/columns.ts";
import type { DatasetStore } from "./dataset.ts";
import { findOrganization, NUMERIC_COLUMNS, organizationProfile } from "./organization.ts";
import { guarded, tableOut, textResult } from "./result.ts";
import type { McpSettings } from "./settings.ts";
import { FRAME_TABLE, queryDatabase, queryFrame } from "./sql.ts";
import { cellText, DATA_NOTE } from "./text.ts";

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, openWorldHint: false };

export function describeDatasetText(
  store: DatasetStore,
): Promise<{ text: string; structured: Record<string, unknown> }> {
  return store.current().then((d) => {
    const structured = {
      as_of: d.asOf.toISOString(),
      window: {
        start: d.window.start.toISOString(),
        end: d.window.end.toISOString(),
        days: d.window.days,
      },
      demo: d.demo,
      source: d.source.kind === "export"
        ? `export file ${d.source.path}`
        : "demo dataset built in memory",
      row_count: d.frame.height,
      sql_table: FRAME_TABLE,
      columns: COLUMNS.map((c) => ({
        name: c.name,
        type: c.type,
        unit: c.unit,
        source: c.source,
        definition: c.formula,
        description: c.description,
      })),
      cost_model:
        "llm_cost_30d is the LLM provider cost of the organization's requests in the window (ClickHouse); " +
        "llm_cost_ptb_30d is the part billed through Helicone (pass-through billing: the company's own cost); " +
        "gross_margin_pct = (mrr - llm_cost_ptb_30d) / mrr × 100.",
      warnings: d.warnings,
      limits: { max_rows: store.settings.maxRows, max_bytes: store.settings.maxBytes },
    };
    const text = [
      `pricing dataset: ${d.frame.height} organizations, ${
        d.demo ? "DEMO data (not production)" : "live data"
      }`,
      `as of ${structured.as_of}; window [${structured.window.start}, ${structured.window.end}) = ${d.window.days} days (columns named *_30d cover this window)`,
      `source: ${structured.source}`,
      `SQL table: ${FRAME_TABLE}`,
      `cost model: ${structured.cost_model}`,
      "columns (name | type | unit | definition):",
      ...COLUMNS.map((c) => `- ${c.name} | ${c.type} | ${c.unit} | ${c.formula}: ${c.description}`),
      d.warnings.length > 0
        ? `warnings:\n${d.warnings.map((w) => `- ${w}`).join("\n")}`
        : "warnings: none",
    ].join("\n");
    return { text, structured };
  });
}

export function registerDataTools(server: McpServer, store: DatasetStore, settings: McpSettings) {
  server.registerTool("describe_dataset", {
    title: "Describe the pricing dataset",
    description:
      "Start here. Says what the data is: as-of time, the usage window, demo or live, number of " +
      "organizations, every column with its type, unit and definition, the cost model and warnings. " +
      "Call it before writing SQL so you use the real column names.",
    inputSchema: {},
    annotations: READ_ONLY,
  }, () =>
    guarded(async () => {
      const { text, structured } = await describeDatasetText(store);
      return textResult(text, structured, Math.max(settings.maxBytes, 32 * 1024));
    }));

  server.registerTool("query_sql", {
    title: "SQL over the pricing export",
    description:
      `Runs one read-only SELECT (Polars SQL dialect) over table ${FRAME_TABLE}: one row per ` +
      "organization, the export's columns (see describe_dataset). Use it for any question the " +
      "other tools do not answer directly: filters, GROUP BY tier, ORDER BY ... LIMIT. Only one " +
      `SELECT/WITH statement; writes and file functions are refused. At most ${settings.maxRows} ` +
      "rows come back: aggregate rather than list. Returns a compact table and the rows as JSON. " +
      DATA_NOTE,
    inputSchema: {
      sql: z.string().min(1).max(20_000).describe(
        `one SELECT statement over ${FRAME_TABLE}, e.g. SELECT tier, count(*) AS orgs, sum(mrr) AS mrr FROM ${FRAME_TABLE} GROUP BY tier ORDER BY mrr DESC`,
      ),
    },
    annotations: READ_ONLY,
  }, ({ sql }) =>
    guarded(async () => {
      const dataset = await store.current();
      const result = await queryFrame(dataset.frame, sql, {
        maxRows: settings.maxRows,
        timeoutMs: settings.sqlTimeoutMs,
      });
      const table = tableOut(result.columns, result.rows, {
        maxBytes: settings.maxBytes,
        moreThan: result.truncated,
      });
      return textResult(table.text, {
        columns: result.columns,
        rows: table.rows,
        row_count: table.rows.length,
        truncated: result.truncated || table.cut > 0,
      }, settings.maxBytes + 512);
    }));

  server.registerTool("organization", {
    title: "One organization against its peers",
    description:
      "Looks up one organization by org_id (exact) or name (exact, else a unique part of it) and " +
      "returns its full row, the medians of its tier and of its plan (tier_raw) for every numeric " +
      "metric, and its percentile in each metric among all organizations (percent at or below " +
      "it). When several match, the error lists their org_ids. " + DATA_NOTE,
    inputSchema: {
      org: z.string().min(1).max(500).describe("org_id (UUID) or organization name"),
    },
    annotations: READ_ONLY,
  }, ({ org }) =>
    guarded(async () => {
      const dataset = await store.current();
      const profile = organizationProfile(dataset.frame, findOrganization(dataset.frame, org));
      const lines = [
        `organization ${cellText(profile.row.org_id)} ${cellText(profile.row.org_name)}; tier ${
          cellText(profile.tier)
        } (${profile.peers.tier} organizations), plan ${
          cellText(profile.plan)
        } (${profile.peers.plan})`,
        "fields:",
        ...Object.entries(profile.row).filter(([k]) => !NUMERIC_COLUMNS.includes(k)).map(([k, v]) =>
          `- ${k}: ${cellText(v)}`
        ),
        "metric | value | tier median | plan median | percentile (all organizations)",
        ...NUMERIC_COLUMNS.map((m) =>
          `${m} | ${cellText(profile.row[m])} | ${cellText(profile.tierMedians[m])} | ${
            cellText(profile.planMedians[m])
          } | ${profile.percentiles[m] === null ? "" : cellText(profile.percentiles[m])}`
        ),
      ];
      return textResult(lines.join("\n"), {
        row: profile.row,
        tier: profile.tier,
        plan: profile.plan,
        peers: profile.peers,
        tier_medians: profile.tierMedians,
        plan_medians: profile.planMedians,
        percentiles: profile.percentiles,
      }, settings.maxBytes);
    }));

  if (settings.databaseSql) {
    server.registerTool("database_sql", {
      title: "Read-only SQL on production PostgreSQL or ClickHouse",
      description:
        "Runs one read-only SELECT directly on the production database: postgres (organizations, " +
        "members, prompts) or clickhouse (request_response_rmt, organization_ptb_spend). It runs in " +
        "the export's read-only sessions (PostgreSQL READ ONLY transaction with a statement " +
        "timeout; ClickHouse readonly with max_execution_time). Only one SELECT/WITH statement; " +
        `writes are refused; at most ${settings.maxRows} rows. Prefer query_sql over the export: ` +
        "use this only for what the export does not hold. " + DATA_NOTE,
      inputSchema: {
        database: z.enum(["postgres", "clickhouse"]).describe("which database"),
        sql: z.string().min(1).max(20_000).describe(
          "one SELECT statement in that database's dialect",
        ),
      },
      annotations: { ...READ_ONLY, openWorldHint: true },
    }, ({ database, sql }) =>
      guarded(async () => {
        const result = await queryDatabase(settings.env, database, sql, settings.maxRows);
        const table = tableOut(result.columns, result.rows, {
          maxBytes: settings.maxBytes,
          moreThan: result.truncated,
        });
        return textResult(table.text, {
          database,
          columns: result.columns,
          rows: table.rows,
          row_count: table.rows.length,
          truncated: result.truncated || table.cut > 0,
        }, settings.maxBytes + 512);
      }));
  }

  if (settings.allowExport) {
    server.registerTool("run_export", {
      title: "Run a fresh export",
      description:
        "Runs the export pipeline now (databases and Stripe when configured, else demo data), " +
        "writes its files into the exports folder and makes it the dataset. Takes minutes on " +
        "production: use it only when describe_dataset shows the data is too old.",
      inputSchema: {
        days: z.number().int().min(1).max(3660).default(30).describe("window length in days"),
      },
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    }, ({ days }) =>
      guarded(async () => {
        const dataset = await store.exportNow(days);
        return textResult(
          `exported ${dataset.frame.height} organizations as of ${dataset.asOf.toISOString()} to ${dataset.source.path}`,
          {
            as_of: dataset.asOf.toISOString(),
            row_count: dataset.frame.height,
            path: dataset.source.path ?? null,
          },
          settings.maxBytes,
        );
      }));
  }
}
