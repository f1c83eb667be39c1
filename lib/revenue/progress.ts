/**
 * A one-line progress bar on stderr for the Stripe fetch, drawn only on a terminal (quiet
 * otherwise, so logs and pipes get no carriage returns). Pass `onProgress` to loadRevenue and
 * call `finish()` when it settles.
 */
export interface ProgressBar {
  onProgress: (done: number, total: number) => void;
  finish: () => void;
}

const WIDTH = 24;

/** The bar's text: `Stripe [██████······] 120/400 customers`. */
export function progressLine(
  done: number,
  { total, label = "Stripe" }: { total: number; label?: string },
): string {
  const share = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(share * WIDTH);
  return `${label} [${"█".repeat(filled)}${"·".repeat(WIDTH - filled)}] ${done}/${total} customers`;
}

export function stderrProgress(
  options: { quiet?: boolean; label?: string; isTerminal?: boolean } = {},
): ProgressBar {
  const draw = !options.quiet && (options.isTerminal ?? Deno.stderr.isTerminal());
  const encoder = new TextEncoder();
  let drawn = false;
  return {
    onProgress(done, total) {
      if (!draw) return;
      Deno.stderr.writeSync(
        encoder.encode(`\r${progressLine(done, { total, label: options.label })}`),
      );
      drawn = true;
    },
    finish() {
      if (drawn) Deno.stderr.writeSync(encoder.encode("\r\x1b[K"));
      drawn = false;
    },
  };
}
