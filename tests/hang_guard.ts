/**
 * A hang guard, not a budget: a test whose subject would otherwise wait forever (a query of five
 * minutes, a server that never answers) fails once HANG_GUARD_MS have passed, naming what hung,
 * rather than holding the whole run. Far above any loaded machine's slowness (a full suite beside
 * another on two cores), far below the five minutes a slow query takes: the tests assert the
 * behaviour (the query stopped on the server, the process ended, the line it printed), never how
 * soon.
 */

export const HANG_GUARD_MS = 120_000;

/**
 * `pending`'s value; past `ms` (HANG_GUARD_MS by default), `onHang` (a child's kill) and a
 * rejection naming `what`.
 */
export async function unlessHung<T>(
  what: string,
  pending: Promise<T>,
  { ms = HANG_GUARD_MS, onHang }: { ms?: number; onHang?: () => void } = {},
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      try {
        onHang?.();
      } catch { /* already gone */ }
      reject(new Error(`${what} hung: not done ${ms / 1000} s on (a hang guard, not a budget)`));
    }, ms);
  });
  try {
    return await Promise.race([pending, hung]);
  } finally {
    clearTimeout(timer);
  }
}
