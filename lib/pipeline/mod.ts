/** What lib/pipeline/ offers: the stages lib/export.ts wires that span several rooms. */
export { chartStage, startChartsAndExcel } from "./chart_stage.ts";
export { metricsStage } from "./metrics_stage.ts";
export { pricingData } from "./pricing_data.ts";
export { publishStage } from "./publish_stage.ts";
export { writeStage } from "./write_stage.ts";
