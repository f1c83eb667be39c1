/**
 * A notebook stopped at a parameter error. A UserError's stack points into lib/ (lines the reader
 * cannot act on): the cell shows its one line instead. The cells after it still run (Run All
 * queues them all and the Deno kernel does not drop the queue on an error; nbconvert
 * --allow-errors runs them too); they say in one line that they have nothing to show, instead of
 * failing with "ReferenceError: run is not defined".
 */
import { UserError } from "../core/config.ts";
import { type Displayable, markdown } from "../report/display.ts";

/** `error` with its stack cut to its first line: what the notebook shows of it. */
export function oneLine<E extends Error>(error: E): E {
  error.stack = `${error.name}: ${error.message}`;
  return error;
}

/** `work`'s result; a UserError it throws reaches the cell as one line (others keep their stack). */
export async function oneLineUserErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof UserError ? oneLine(error) : error;
  }
}

const STOPPED = Symbol("stopped by");

/**
 * What a cell's variable holds when its work stopped at `error` (a UserError; anything else is
 * thrown again: a bug keeps its stack): reading any field throws the error's one line, and the
 * notebook's display functions (stoppedBy) show a note instead. `fields` are readable as given.
 */
export function stoppedValue<T extends object>(
  error: unknown,
  fields: Partial<T> = {},
): T {
  if (!(error instanceof UserError)) throw error;
  const stopped = oneLine(error);
  return new Proxy(fields, {
    get(target, key) {
      if (key === STOPPED) return stopped;
      if (Object.hasOwn(target, key)) return target[key as keyof typeof target];
      // symbols (Promise resolution's `then` is a string: an awaited value is read for it)
      if (typeof key === "symbol" || key === "then") return undefined;
      throw stopped;
    },
  }) as T;
}

/** The error a stoppedValue stopped at, or null for a value of work that succeeded. */
export function stoppedBy(value: object): UserError | null {
  return (value as { [STOPPED]?: UserError })[STOPPED] ?? null;
}

/** The note a cell shows when the cell it depends on stopped: one line, not an error. */
export function nothingToShow(what: string): Displayable {
  return markdown(
    `_Nothing to show: ${what} stopped at the error above (fix it, then run again)._`,
  );
}
