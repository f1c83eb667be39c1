/** What lib/cli/ offers: the command lines (each file also runs as a script) and their shared parsing. */
export { failed, parseCommandFlags, parseFlags, runMain } from "./args.ts";
export { HELP as compareHelp, main as compareMain } from "./compare.ts";
export {
  type CliArgs,
  HELP as exportHelp,
  main as exportMain,
  parseAsOf,
  parseCli,
} from "./export.ts";
export { HELP as historyHelp, main as historyMain, monthsFrom } from "./history.ts";
export { HELP as scenarioHelp, main as scenarioMain, parseScenarioArgs } from "./scenario.ts";
