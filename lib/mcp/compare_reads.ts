/**
 * compare_exports' reading of its two sides (compare_sides.ts): both read and checked before any
 * comparison, then what the comparison says beside the summary from the two files (the FX rates'
 * part of the MRR change, unmapped Stripe customers, MRR per billing currency).
 */
import { mixedDemoError, repeatedOrganizationError } from "../analysis/compare.ts";
import { filesFxChange } from "../analysis/compare_fx.ts";
import { filesUnmapped } from "../analysis/compare_unmapped.ts";
import { nativeComparison } from "../analysis/compare_native.ts";
import { UserError } from "../core/config.ts";
import { type DemoMark, ROWS_DEMO_WHY } from "../formats/export_demo.ts";
import type { CompareSide } from "./compare_sides.ts";

/** A side as read (CompareSide.read). */
export type SideRead = Awaited<ReturnType<CompareSide["read"]>>;

/**
 * Both sides read, old first, and refused in one line when a file holds an organization on
 * several rows or when demo data would be compared with live data.
 */
export async function readSides(
  { older, newer }: { older: CompareSide; newer: CompareSide },
): Promise<{ oldRead: SideRead; newRead: SideRead }> {
  // demo against live is judged once both are read: a file whose rows say demo (a demo
  // export copied under a live export's name) is demo data whatever its name
  const [oldRead, newRead] = [await older.read(), await newer.read()];
  for (const [side, read] of [[older, oldRead], [newer, newRead]] as const) {
    const repeated = repeatedOrganizationError(read.frame, side.label);
    if (repeated) throw new UserError(repeated);
  }
  const mixedRows = mixedDemoError(
    { label: older.label, ...await rowsMark(older, oldRead) },
    { label: newer.label, ...await rowsMark(newer, newRead) },
  );
  if (mixedRows) throw new UserError(mixedRows);
  return { oldRead, newRead };
}

/** A side's demo mark, demo too when its rows say so. */
async function rowsMark(side: CompareSide, read: { rowsDemo: boolean }): Promise<DemoMark> {
  const mark = await side.mark();
  return mark.demo || !read.rowsDemo ? mark : { demo: true, why: ROWS_DEMO_WHY };
}

/** What the comparison says beside the summary, read from the two files (as the CLI says it). */
export interface BesideSummary {
  /** converted at different FX rates: how much of the MRR change is the rate */
  fx: Awaited<ReturnType<typeof filesFxChange>>;
  /** the MRR no row holds, of Stripe customers no organization maps to */
  unmapped: Awaited<ReturnType<typeof filesUnmapped>>;
  /** in each billing currency, exactly, when one of the two is a history snapshot */
  native: ReturnType<typeof nativeComparison>;
}

export async function besideSummary(
  { older, newer }: { older: CompareSide; newer: CompareSide },
): Promise<BesideSummary> {
  const fx = await filesFxChange({
    old: await older.fxFile(),
    newer: await newer.fxFile(),
    newBilling: newer.billing,
  });
  const unmapped = await filesUnmapped({
    old: await older.fxFile(),
    newer: await newer.fxFile(),
  });
  const native = nativeComparison(
    { label: older.label, path: (await older.fxFile()).path },
    { label: newer.label, path: (await newer.fxFile()).path },
  );
  return { fx, unmapped, native };
}
