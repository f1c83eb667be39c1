/** At most `limit` tasks at once: Stripe asks for polite, bounded concurrency. */
export function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await task();
    } finally {
      // hand the slot straight to the next task, or free it
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
