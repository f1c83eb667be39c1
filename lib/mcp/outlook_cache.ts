/**
 * account_outlook's outlook, worked out once per served dataset and earlier snapshot: reading the
 * snapshot a month before and judging every paying organization took ~0.1–0.3 s of CPU a call at
 * a million organizations, for the same answer until either changes. Held per dataset object (the
 * store makes a new one for each export it loads: a new export is a new key, and the old entry
 * goes with its dataset), keyed by what the history folder holds in the earlier snapshot's range
 * (earlierSnapshotsStamp: a snapshot stored, rewritten or removed since is read again), the price
 * book's bytes and the history folder. Its tables are worked out to the tool's largest `top` and
 * cut to each call's: sorted, so the first rows are the same.
 */
import type { AccountOutlook } from "../analysis/outlook.ts";
import type { PriceBook } from "../economics/types.ts";
import { earlierSnapshotsStamp, outlookFromHistory } from "../history/earlier_usage.ts";
import type { Dataset } from "./dataset.ts";

/** account_outlook's largest `top` (its input schema's bound): what the cached tables hold. */
export const OUTLOOK_MAX_TOP = 200;

type Outlook = { outlook: AccountOutlook; warning: string | null };

const held = new WeakMap<Dataset, { key: string; outlook: Promise<Outlook> }>();

/**
 * The outlook of `dataset` against the history folder `dir`'s earlier snapshot
 * (outlookFromHistory), its tables cut to `top` rows; the held one while nothing it was worked out
 * from has changed. A folder that cannot be listed is not held (its warning said each time).
 */
export async function datasetOutlook(
  dataset: Dataset,
  { dir, book, top }: { dir: string; book: PriceBook | null; top: number },
): Promise<Outlook> {
  const { asOf, demo } = dataset;
  const snapshots = await earlierSnapshotsStamp(dir, { asOf, demo });
  const key = JSON.stringify([dir, snapshots, book?.file ?? null, book?.sha256 ?? null]);
  let entry = held.get(dataset);
  if (snapshots === null || entry?.key !== key) {
    const outlook = outlookFromHistory(dataset.frame, {
      dir,
      asOf,
      demo,
      windowDays: dataset.window.days,
      book: book ?? undefined,
      top: OUTLOOK_MAX_TOP,
    });
    entry = { key, outlook };
    if (snapshots !== null) {
      held.set(dataset, entry);
      // a failed one is not held: the next call works it out again
      outlook.catch(() => {
        if (held.get(dataset) === entry) held.delete(dataset);
      });
    }
  }
  const { outlook, warning } = await entry.outlook;
  return {
    outlook: { ...outlook, churn: outlook.churn.head(top), upgrade: outlook.upgrade.head(top) },
    warning,
  };
}
