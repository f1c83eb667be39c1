/**
 * What a history command stopped by Ctrl-C or SIGTERM says (untilInterrupted's lines): an import
 * puts its snapshots in place all or none, a backfill keeps the month ends it stored before the
 * stop (each whole), a report publishes whole or not at all.
 */
export function historyInterruption(
  command: string | undefined,
  context: { historyDir: string; outDir: string },
) {
  const stored: string[] = [];
  const report = `no report written, the previous files in ${context.outDir} are unchanged`;
  return {
    /** told of each snapshot a backfill stores (BackfillOptions.onStored) */
    onStored: (path: string) => void stored.push(path),
    stopped: () =>
      command === "import"
        ? `stopped before storing; nothing was imported, the snapshots in ${context.historyDir} are unchanged`
        : command === "backfill"
        ? `stopped; ${stored.length} snapshot(s) stored before the stop (each complete) in ${context.historyDir}, ${report}`
        : `stopped before publishing; ${report}`,
    finished: () => `history ${command}'s work is complete (named above)`,
    again: command === "report"
      ? "the next run that writes into that folder removes the staging folder this one left"
      : "the next history command removes the temporary snapshot files this one left",
  };
}
