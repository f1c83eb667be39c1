/**
 * `account_outlook`: who may churn, who should upgrade, among paying organizations: the brief's
 * outlook section (OUTLOOK_HEADING; lib/analysis/outlook.ts, worked out once by
 * outlookFromHistory against the history folder's snapshot a month before, and held while neither
 * changes: outlook_cache.ts), its rule, counts and tables. key_question's churn_risk and
 * upgrade_candidates are the spec's questions (negative margin, a heavy free tier); this one reads
 * Stripe's and Helicone's signals and the usage trend.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp";
import { z } from "zod";
import { isoDate } from "../formats/files.ts";
import { OUTLOOK_THRESHOLDS, shownFacts } from "../analysis/outlook.ts";
import {
  earlierLine,
  OUTLOOK_HEADING,
  outlookCounts,
  outlookRule,
} from "../report/brief_outlook.ts";
import { strictInput } from "./input_schema.ts";
import type { DatasetStore } from "./dataset.ts";
import { datasetPriceBook } from "./economics.ts";
import { historyFolder } from "./history.ts";
import { datasetOutlook, OUTLOOK_MAX_TOP } from "./outlook_cache.ts";
import { guarded, jsonBytes, tableBudget, textResult } from "./result.ts";
import { answerFrom } from "./served_note.ts";
import { DATA_NOTE, dataLiteral, sentLength, textJson } from "./text.ts";
import { frameTable, READ_ONLY } from "./tools_analysis.ts";

/** The default rows in each list, as the brief's. */
const TOP = 10;

export function registerOutlookTool(server: McpServer, store: DatasetStore) {
  const settings = store.settings;
  const t = OUTLOOK_THRESHOLDS;
  server.registerTool("account_outlook", {
    title: "Expansion candidates and signs of leaving among paying organizations",
    description:
      "Who may churn and who should upgrade, among paying organizations (mrr > 0), as the " +
      `brief's '${OUTLOOK_HEADING}' section works it out: a sign of leaving is a Stripe ` +
      "subscription past due or unpaid, one set to cancel, the organization canceled in " +
      `Helicone's database, or, against the history snapshot 30 to 62 days before, requests down ` +
      `by ${t.dropMinPct} % or more or fewer seats; an expansion candidate has no such sign and ` +
      `requests up ${t.growthMinPct} % or more on that snapshot (at least ` +
      `${t.minRequests.toLocaleString("en-US")}), near its plan's included amount where the ` +
      "price book lists one. Without such a snapshot the trend is not known: no expansion " +
      "candidate is named and signs of leaving are the Stripe and database ones alone (said in " +
      "`earlier`). Returns the rule, the counts and MRR of each (`facts`), and each list's first " +
      "rows (leaving most MRR first, with its signs; expansion most requests added first). For " +
      "the spec's questions (negative margin, heavy free tier) see key_question. " + DATA_NOTE,
    inputSchema: strictInput({
      top: z.number().int().min(1).max(OUTLOOK_MAX_TOP).optional().describe(
        `rows in each list (default ${TOP}, as the brief)`,
      ),
    }),
    annotations: READ_ONLY,
  }, ({ top }) =>
    guarded(async () => {
      const dataset = await store.current();
      const rows = top ?? TOP;
      const priced = await datasetPriceBook(dataset, settings.env);
      const { book } = priced;
      // (held per dataset and earlier snapshot: outlook_cache.ts)
      const { outlook, warning: historyWarning } = await datasetOutlook(dataset, {
        dir: historyFolder(settings),
        book,
        top: rows,
      });
      // a price book not the export's, or none read, changes which plans list an included
      // amount, so which organizations are expansion candidates: said, as run_scenario says it
      const warning = [...priced.warnings, ...(historyWarning ? [historyWarning] : [])]
        .join("; ") || null;
      return answerFrom({ dataset, maxBytes: settings.maxBytes }, (maxBytes) => {
        const rule = outlookRule();
        const earlier = earlierLine(outlook, dataset.asOf);
        const counts = outlookCounts(outlook);
        // it quotes a snapshot's data (an org_id): a literal, as listedWarnings sends warnings
        const warningLine = warning === null ? null : `warning: ${dataLiteral(warning)}`;
        // no earlier snapshot: no upgrade candidate can be named, which is not none (the brief's –)
        const f = shownFacts(outlook);
        // rule, earlier line, counts and facts travel in both channels; the tables share the rest
        const reserved = 2 * sentLength(rule + earlier + counts + (warningLine ?? "")) +
          2 * jsonBytes(f) + 512;
        const half = tableBudget(maxBytes, reserved) / 2;
        const churn = frameTable(outlook.churn, {
          settings,
          maxBytes: half,
          ranked: { top: rows, of: outlook.facts.churn },
        });
        const upgrade = frameTable(outlook.upgrade, {
          settings,
          maxBytes: half,
          ranked: { top: rows, of: outlook.facts.upgrade },
        });
        const earlierAsOf = outlook.earlierAsOf ? isoDate(outlook.earlierAsOf) : null;
        return textResult(
          [
            `rule: ${rule}`,
            earlier,
            ...(warningLine ? [warningLine] : []),
            counts,
            `facts: ${textJson(f)}`,
            "signs of leaving, most MRR first:",
            churn.text,
            ...(earlierAsOf
              ? ["expansion candidates, most requests added first:", upgrade.text]
              : []),
          ].join("\n"),
          {
            rule,
            earlier_as_of: earlierAsOf,
            earlier,
            ...(warning ? { warning } : {}),
            facts: f,
            churn: churn.rows,
            upgrade: upgrade.rows,
          },
          { maxBytes },
        );
      });
    }));
}
