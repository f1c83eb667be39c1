/**
 * The MCP tools on a 7-day export (`deno task export --days 7`): run_scenario, key_question and a
 * question's chart put its usage on a 30-day basis (× 30 / 7), as `deno task scenario` and the
 * notebook do; segment negative_margin's rule says what it filters; organization compares the
 * `plan` column. Values are worked out from the export's own frame.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { runExport } from "../lib/export.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { churnRisk, ptbVsByok, underpricedCustomers } from "../lib/analysis/questions.ts";
import { usageOnMonthlyBasis, windowWarning } from "../lib/frame/monthly.ts";
import { basename } from "node:path";
import { call, close, connectInMemory, text, type Values } from "./mcp_client.ts";

Deno.test("a 7-day export: scenario, questions and segment on a 30-day basis; organization by plan", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_window_test_" });
  const written = await runExport({
    outDir: dir,
    demo: true,
    asOf: new Date("2026-05-08T00:00:00Z"),
    windowDays: 7,
    formats: ["csv"],
    charts: false,
    quiet: true,
    log: () => {},
    env: {},
  });
  const frame = written.data.frame;
  const { client, close: disconnect } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  const sum = (f: pl.DataFrame, name: string) => Number(f.getColumn(name).sum() ?? 0);
  try {
    await t.step("run_scenario: 2 % of LLM cost × 30 / 7, breakeven on it, a warning", async () => {
      const result = await call(client, "run_scenario", { preset: "two_percent_of_llm_cost" });
      const s = result.structuredContent!;
      const totals = s.totals as Values;
      // organizations paying $0 because no subscription of theirs counts are kept at $0
      const counted = frame.filter(keptAtZero().not());
      const monthlyCost = sum(counted, "llm_cost_30d") * 30 / 7;
      close(totals.proposedMrrUsd, 0.02 * monthlyCost, "proposed MRR");
      close(totals.currentMrrUsd, sum(frame, "mrr"), "current MRR");
      close((s.breakeven as Values).value, sum(frame, "mrr") / monthlyCost * 100, "breakeven %");
      const warnings = s.warnings as string[];
      ok(/window is 7 days: .*30-day basis \(× 30 \/ 7\)/.test(warnings[0]), warnings[0]);
      ok(text(result).includes("warnings:\n- "));
    });

    await t.step(
      "run_scenario: user tiers on active_users_30d warned of as the window's active users, not scaled",
      async () => {
        const scenario = {
          name: "users",
          plans: [{
            name: "a",
            flatTiers: {
              metric: "active_users_30d",
              tiers: [{ upTo: 5, usd: 10 }, { upTo: null, usd: 50 }],
            },
          }],
        };
        const warnings = (await call(client, "run_scenario", { scenario })).structuredContent!
          .warnings as string[];
        // every organization but those kept at $0 (no subscription of theirs counts) is priced by "a"
        const priced = frame.filter(keptAtZero().not()).height;
        ok(
          warnings.includes(
            `user tiers (flatTiers on active_users_30d) of "a" judged on the window's 7-day active users (members who signed in during the 7 days) of ${priced} organizations: they are not scaled to 30 days as usage is, so a 30-day export, counting more of them, can put organizations in other tiers`,
          ),
          warnings.join("\n"),
        );
      },
    );

    await t.step(
      "key_question churn_risk: every organization with gross_margin_pct < 0, as the notebook",
      async () => {
        const negative = frame.filter(pl.col("gross_margin_pct").lt(0)).height;
        ok(negative > 0);
        const churn = (await call(client, "key_question", { question: "churn_risk" }))
          .structuredContent!;
        assertEquals((churn.facts as Values).organizations, negative);
        ok(/30-day basis \(× 30 \/ 7\)/.test(churn.basis as string));
        // the notebook's answer for the same file (questions_page.ts scales the frame the same way)
        const monthly = usageOnMonthlyBasis(frame, 7);
        const week = { windowDays: 7 };
        assertEquals(churn.reading, churnRisk(monthly, {}, week).reading);
        // its usage is per 30 days, and the reading and table say so
        ok((churn.reading as string).startsWith("On a 30-day basis (the 7-day window's usage"));
        ok(Object.keys((churn.table as Values[])[0]).includes("llm_cost_per_30d"));
        const under = (await call(client, "key_question", { question: "underpriced" }))
          .structuredContent!;
        assertEquals(under.reading, underpricedCustomers(monthly, {}, week).reading);
        // the company-basis margins too: PTB revenue and company cost on the same basis
        const traffic = (await call(client, "key_question", { question: "ptb_vs_byok" }))
          .structuredContent!;
        assertEquals(traffic.reading, ptbVsByok(monthly, week).reading);
        ok((traffic.reading as string).includes("company-basis margin"));
        // gateway-only: Σ(mrr + PTB revenue × 30/7) over the organizations with known revenue
        // (paying or not) against Σ company cost × 30/7 over those and the ones a sibling's row
        // carries, as the per-plan table (the 7-day columns are the window's)
        const known = pl.col("mrr").isNotNull().and(
          pl.col("ptb_revenue_30d").isNotNull().or(pl.col("llm_cost_ptb_30d").eq(0)),
        );
        const onSibling = frame.columns.includes("revenue_source")
          ? pl.col("revenue_source").eq(pl.lit("shared_customer")).fillNull(false)
          : pl.lit(false);
        const gateway = frame.filter(pl.col("has_gateway_only").and(known));
        const gatewayCost = frame.filter(pl.col("has_gateway_only").and(known.or(onSibling)));
        const revenue = sum(gateway, "mrr") + sum(gateway, "ptb_revenue_30d") * 30 / 7;
        const cost = sum(gatewayCost, "company_cost_30d") * 30 / 7;
        ok(sum(gateway, "ptb_revenue_30d") > 0, "the demo's gateway-only organizations buy PTB");
        close(
          ((traffic.facts as Values)["gateway only (PTB)"] as Values).companyMarginPct as number,
          (revenue - cost) / revenue * 100,
          "gateway-only company-basis margin",
        );
        const segmentResult = await call(client, "segment", { name: "negative_margin" });
        const segment = segmentResult.structuredContent!;
        assertEquals((segment.totals as Values).organizations, negative);
        // its totals are the window's sums beside monthly MRR: said, with the 30-day basis
        const weekCost = (segment.totals as Values).llm_cost_30d as number;
        const note = text(segmentResult).split("\n").find((l) => l.includes("window's sums"));
        ok(
          note?.startsWith(
            "note: llm_cost_30d and requests_30d are the 7-day window's sums (the columns keep their _30d names) and mrr is a month's: on a 30-day basis (× 30 / 7) the LLM cost is $",
          ),
          note,
        );
        close(
          Number(/the LLM cost is \$([\d.]+)/.exec(note!)![1]),
          weekCost * 30 / 7,
          "the segment's LLM cost on a 30-day basis",
        );
        assertEquals(
          segment.rule,
          "mrr > 0 and llm_cost_30d × 30 / 7 > mrr (the 7-day LLM cost on a 30-day basis; a shared Stripe customer's organizations judged as one, usage summed)",
        );
      },
    );

    await t.step("organization: plan is the plan column, a missing one labelled", async () => {
      const plans = frame.getColumn("plan").toArray() as (string | null)[];
      const rawTiers = frame.getColumn("tier_raw").toArray() as (string | null)[];
      const ids = frame.getColumn("org_id").toArray() as string[];
      const differs = plans.findIndex((p, i) => p !== null && p !== rawTiers[i]);
      ok(differs >= 0, "the demo has an organization whose plan is not its tier_raw");
      const result = await call(client, "organization", { org: ids[differs] });
      const s = result.structuredContent!;
      assertEquals(s.plan, plans[differs]);
      assertEquals((s.peers as Values).plan, plans.filter((p) => p === plans[differs]).length);
      // the per-plan table's count beside it where that table counts otherwise (shared customers)
      const table = s.per_plan_table as Values;
      const same = table.plan === plans[differs] &&
        table.organizations === (s.peers as Values).plan;
      ok(
        text(result).split("\n")[0].includes(
          `plan ${JSON.stringify(plans[differs])} (${(s.peers as Values).plan} organizations${
            same ? ", as in describe_dataset's per-plan table)" : " with this plan column; "
          }`,
        ),
        text(result).split("\n")[0],
      );
      const none = plans.findIndex((p) => p === null);
      if (none >= 0) {
        const first = text(await call(client, "organization", { org: ids[none] })).split("\n")[0];
        ok(first.includes("plan (none) ("), first);
      }
      // cost_per_seat is the week's beside monthly revenue_per_seat: said on the profile
      const notes = s.window_notes as string[];
      assertEquals(notes[0], windowWarning(7));
      ok(
        notes.includes(
          "cost_per_seat is a 7-day figure beside monthly revenue_per_seat: × 30 / 7 puts it on a 30-day basis before comparing",
        ),
        notes.join("\n"),
      );
      ok(text(result).includes(`\nnote: ${windowWarning(7)}\n`));
    });

    await t.step(
      "describe_dataset: the per-plan table says its usage is on a 30-day basis; without a manifest the window is still said",
      async () => {
        const described = (await call(client, "describe_dataset")).structuredContent!;
        const perPlan = described.per_plan as Values;
        ok(
          (perPlan.basis as string).startsWith(
            "window is 7 days: every ratio and margin here sets the window's requests_30d, llm_cost_30d",
          ),
          String(perPlan.basis),
        );
        // the CSV alone (no manifest beside it): its window comes from its name, and is said
        const alone = await Deno.makeTempDir({ prefix: "mcp_window_test_alone_" });
        try {
          await Deno.copyFile(written.csvPath!, `${alone}/${basename(written.csvPath!)}`);
          const { client: other, close: closeOther } = await connectInMemory(
            new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: alone })),
          );
          try {
            const warnings = (await call(other, "describe_dataset")).structuredContent!
              .warnings as string[];
            ok(warnings.includes(windowWarning(7)!), warnings.join("\n"));
          } finally {
            await closeOther();
          }
        } finally {
          await Deno.remove(alone, { recursive: true });
        }
      },
    );
  } finally {
    await disconnect();
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Organizations a scenario keeps at $0: MRR 0 with Stripe subscriptions of which none counts
 * (cancel_at_period_end is empty exactly then), except a free-tier one whose subscriptions all
 * ended (canceled, incomplete_expired): that one is priced as free organizations are.
 */
function keptAtZero(): pl.Expr {
  const status = pl.col("subscription_status");
  const endedOnly = status.str.split(",").lst.eval(
    pl.element().isIn(["canceled", "incomplete_expired"]),
  ).lst.min();
  const freeAfterCancel = pl.col("tier").eq(pl.lit("free")).and(endedOnly);
  return pl.col("mrr").eq(0).and(status.isNotNull()).and(status.neq(pl.lit("")))
    .and(pl.col("cancel_at_period_end").isNull()).and(freeAfterCancel.not()).fillNull(false);
}
