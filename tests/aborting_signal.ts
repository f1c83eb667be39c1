/** A stop arriving mid-work, at a chosen check of the work's signal. */

/**
 * A signal that aborts with `reason` at its `n`-th check (throwIfAborted), which then throws; the
 * checks made so far are counted (a stop seen at the check after it, and none made after that).
 */
export function abortingAtCheck(n: number, reason: Error) {
  const controller = new AbortController();
  const { signal } = controller;
  let checks = 0;
  const check = signal.throwIfAborted.bind(signal);
  signal.throwIfAborted = () => {
    if (++checks === n) controller.abort(reason);
    check();
  };
  return { signal, checks: () => checks };
}
