/** What lib/notebooks/ offers: the notebooks' pages over the pipeline (entry points, like cli/). */
// the kernel's own Polars work (the questions' group-bys): float sums the same bits every run, set
// on the notebooks' first import, before any query (docs/notebooks.md, "Polars of your own")
import "../core/polars_sums.ts";
export {
  chartDisplays,
  economicsDisplays,
  type ExportPage,
  type ExportPageParams,
  filesDisplays,
  joinDisplays,
  metricsDisplays,
  queriesDisplays,
  revenueDisplays,
  runExportPage,
  stoppedRun,
} from "./export_page.ts";
export {
  type AnswerDisplay,
  answerDisplays,
  loadQuestionsFrame,
  type QuestionsParams,
  type QuestionsSource,
  sourceDisplays,
  stoppedSource,
} from "./questions_page.ts";
export { outlookDisplays } from "./outlook_page.ts";
