/** What lib/pipeline/ offers: the stages lib/export.ts wires that span several rooms. */
export { writeStage } from "./write_stage.ts";
