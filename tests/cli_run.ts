/** lib/cli/export.ts, which the command line tests (tests/cli*_test.ts) run as a process. */

export const CLI = new URL("../lib/cli/export.ts", import.meta.url).pathname;
