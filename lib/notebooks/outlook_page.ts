/**
 * notebooks/pricing_questions.ipynb's seventh section (OUTLOOK_HEADING): the brief's section
 * (lib/report/brief_outlook.ts) over the notebook's frame, against the history folder's snapshot a
 * month before (outlookFromHistory: the one computation the brief, MCP and the admin page share).
 * Organization names are data: the brief's tables escape them.
 */
import { outlookFromHistory } from "../history/earlier_usage.ts";
import { outlookMarkdown } from "../report/brief_outlook.ts";
import { type Displayable, markdown } from "../report/display.ts";
import { escapeMarkdown } from "../formats/markdown.ts";
import { MONTH_DAYS } from "../frame/monthly.ts";
import { nothingToShow, stoppedBy } from "./stopped.ts";
import type { QuestionsSource } from "./questions_page.ts";

/** The section as the brief writes it (its heading is the notebook's own cell), first `top` rows. */
export async function outlookDisplays(
  source: QuestionsSource,
  { top }: { top: number },
): Promise<Displayable[]> {
  if (stoppedBy(source)) return [nothingToShow("loading the data")];
  if (!source.asOf) {
    return [
      markdown(
        "_Not known: the export file does not say its as-of (no manifest, name or summary sheet), so no earlier snapshot can be chosen against it._",
      ),
    ];
  }
  const { outlook, warning } = await outlookFromHistory(source.frame, {
    dir: source.historyDir,
    asOf: source.asOf,
    demo: source.demo,
    // the notebook's frame has its usage on a 30-day basis already (usageOnMonthlyBasis)
    windowDays: MONTH_DAYS,
    book: source.priceBook,
    top,
  });
  // (the brief's heading dropped: the notebook's Markdown cell above is the heading)
  const lines = outlookMarkdown(outlook, { asOf: source.asOf, top }).slice(2);
  // the warning quotes the snapshot's data (an org_id): escaped as the brief's warnings, not cut
  const said = warning
    ? [`**Warning:** ${escapeMarkdown(warning, { maxLength: warning.length })}`, ""]
    : [];
  return [markdown([...said, ...lines].join("\n"))];
}
