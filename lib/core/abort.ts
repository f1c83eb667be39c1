/**
 * Waiting on work that cannot itself be called off (a query that ignores the cancel, a pool's
 * connect, flock's wait), up to an abort: the caller decides what becomes of its late result.
 */

/**
 * `work`, or the signal's reason as soon as it is aborted (at once when it already is). `work`'s
 * own failure after the abort is the abort's: it is not left unhandled.
 */
export function untilAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  work.catch(() => {});
  const { promise, reject } = Promise.withResolvers<never>();
  const onAbort = () => reject(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  return Promise.race([work, promise]).finally(() => signal.removeEventListener("abort", onAbort));
}

/** Whether `work` settles, either way, within `ms` ms (its rejection is left to the caller). */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([work.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
