/** What lib/notebooks/ offers: the notebooks' pages over the pipeline (entry points, like cli/). */
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
