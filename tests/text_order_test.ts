/**
 * Names are put in one order whatever the machine's locale: `localeCompare` without a locale
 * collates by LANG / LC_ALL (Danish sorts "aa" after "z", Estonian "z" between "s" and "t",
 * Turkish "ı" before "i"), so the same export's plans came out in another order on another
 * machine. Plans with equal MRR on the margin-by-plan chart are ordered by name, as here.
 */
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals } from "node:assert/strict";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The margin-by-plan chart's plan labels of five plans with equal MRR, drawn under `locale`. */
async function planLabelsUnder(locale: string): Promise<string[]> {
  const code = `
    import { perPlanRows, perPlanTable } from "${ROOT}lib/economics/per_plan.ts";
    import { marginByPlanChart } from "${ROOT}lib/economics/plan_charts.ts";
    import { economicsFrameWithF } from "${ROOT}tests/economics_fixture.ts";
    import { labels } from "${ROOT}tests/chart_svg.ts";
    const frame = await economicsFrameWithF();
    const names = ["zeta", "aa plan", "team", "ix", "ıx"];
    const plans = perPlanRows(perPlanTable(frame, { windowDays: 30 }))
      .filter((row) => row.plan !== "all")
      .map((row, i) => ({ ...row, plan: names[i] ?? row.plan, mrr: 100 }));
    const svg = marginByPlanChart(frame, { plans }).svg;
    console.log(JSON.stringify(labels(svg, "fy-axis tick label").map((l) => l.text)));
  `;
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", "--config", `${ROOT}deno.json`, code],
    env: { LC_ALL: locale, LANG: locale },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(run.code, 0, new TextDecoder().decode(run.stderr));
  return JSON.parse(new TextDecoder().decode(run.stdout).trim().split("\n").at(-1)!);
}

Deno.test("plans of equal MRR on the margin-by-plan chart are in one order in a C, Danish, Estonian and Turkish locale", async () => {
  // en-US collation: "aa plan" first, "ix" before dotless "ıx" (U+0131 sorts after i), then
  // "team" and "zeta"
  const want = ["aa plan", "ix", "ıx", "team", "zeta"];
  for (const locale of ["C", "da_DK.UTF-8", "et_EE.UTF-8", "tr_TR.UTF-8"]) {
    assertEquals([locale, await planLabelsUnder(locale)], [locale, want]);
  }
});

Deno.test("compareText: en-US order, lower case before upper, and text the collation holds equal by code units", async () => {
  const { compareText } = await import("../lib/core/text_order.ts");
  const precomposed = "caf\u00e9"; // é as one code point
  const decomposed = "cafe\u0301"; // e + combining acute: the same text to the collation
  assertEquals(
    ["zeta", precomposed, "Pro", "pro", decomposed, "aa plan", "ıx", "ix"].sort(compareText),
    ["aa plan", decomposed, precomposed, "ix", "ıx", "pro", "Pro", "zeta"],
  );
  assertEquals(compareText("pro", "pro"), 0);
});
