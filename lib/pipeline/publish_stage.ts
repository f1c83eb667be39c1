/**
 * The export's publish stage: the manifest of the staged files, the delivery step's copies, then
 * the set moved from the staging folder into outDir together with the history snapshot, the
 * manifest last (lib/formats/staging.ts; a failed move undoes every move).
 */
import { basename, join, resolve } from "node:path";
import type { ChosenBy } from "../core/chosen_by.ts";
import type { ExportFormat, ExportOptions, ExportResult, PricingData } from "../core/types.ts";
import { exportFileName, stampOptions } from "../formats/export_names.ts";
import { publishStaged } from "../formats/staging.ts";
import { withPublishLock } from "../formats/publish_lock.ts";
import { filesLeftByPreviousRun, writeManifest } from "../report/manifest.ts";
import { keepForDelivery, publishedSizes, removeDeliveryFiles } from "../delivery/kept_files.ts";
import { publishWithSnapshot } from "../history/export_stage.ts";
import type { writeStage } from "./write_stage.ts";

/** Publishes `staged` (every file but the manifest) from `staging` into `options.outDir`. */
export async function publishStage(
  data: PricingData,
  { options, staging, chosenBy, staged, written, folderNow }: {
    options: ExportOptions;
    staging: string;
    /** how the user chose outDir (--out-dir…), for the fix a failure names */
    chosenBy: ChosenBy;
    /** the staged files, the chart files first, the manifest not yet */
    staged: string[];
    /** the write stage's brief, digests and snapshot */
    written: Awaited<ReturnType<typeof writeStage>>;
    /** where a path in outDir is now (moved with it meanwhile: folder_watch.ts) */
    folderNow?: (path: string) => Promise<string>;
  },
): Promise<ExportResult> {
  const { snapshot } = written;
  const stagedManifest = await writeManifest(staging, {
    data,
    chosenBy,
    paths: staged,
    digests: written.digests,
    snapshot: snapshot && {
      name: basename(snapshot.path),
      // absolute: a relative --out-dir (a `deno run`, or the library) left it relative to the
      // folder the run started in, which no reader of the manifest knows
      path: resolve(snapshot.path),
      bytes: snapshot.bytes,
      sha256: snapshot.sha256,
    },
  });

  // what this run wrote, as it wrote it: the listing's sizes and the mail's attachments must
  // not be read from the folder after the publish, where a later run may have replaced them
  const bytes = await publishedSizes([...staged, stagedManifest], options.outDir);
  const fileName = (ext: ExportFormat) => exportFileName({ ...stampOptions(data), ext });
  const deliverable = {
    briefPath: written.brief.briefPath,
    ...(written.brief.trimmedPath ? { trimmedPath: written.brief.trimmedPath } : {}),
    ...(options.formats.includes("csv") ? { csvPath: join(staging, fileName("csv")) } : {}),
    ...(options.formats.includes("xlsx") ? { xlsxPath: join(staging, fileName("xlsx")) } : {}),
  };
  const delivery = options.keepForDelivery
    ? await keepForDelivery(deliverable, { outDir: options.outDir, chosenBy })
    : undefined;

  try {
    // one run at a time reads the previous set and replaces it (another waits: publish_lock.ts);
    // what an earlier run of this file set left that this one does not write goes too
    const published = await withPublishLock(options.outDir, async () => {
      const leftBehind = await filesLeftByPreviousRun(options.outDir, {
        manifestName: basename(stagedManifest),
        written: staged.map((path) => basename(path)),
      });
      options.signal?.throwIfAborted(); // Ctrl-C: not once the moves (snapshot's, set's) begin
      return await publishWithSnapshot(snapshot, {
        publish: () =>
          publishStaged(staging, {
            outDir: options.outDir,
            files: [...staged, stagedManifest],
            retire: [...new Set([...written.brief.stale, ...leftBehind])],
            lockHeld: true,
            chosenBy,
          }),
        warnings: data.warnings,
      });
    }, {
      onWait: options.quiet ? () => {} : undefined,
      // Ctrl-C while another run publishes: stopped at once, not once it is done
      signal: options.signal,
      chosenBy,
    });
    const files = published.slice(0, -1);
    const manifestPath = published[published.length - 1];
    options.onStage?.({ stage: "files", files, manifestPath });
    const final = (path: string) => join(options.outDir, basename(path));
    return {
      data,
      files,
      manifestPath,
      bytes,
      ...(delivery ? { delivery } : {}),
      briefPath: final(written.brief.briefPath),
      ...(written.brief.trimmedPath
        ? { trimmedPath: final(written.brief.trimmedPath), trimmedRows: written.brief.trimmedRows }
        : {}),
      ...(options.formats.includes("csv") ? { csvPath: final(fileName("csv")) } : {}),
      ...(options.formats.includes("xlsx") ? { xlsxPath: final(fileName("xlsx")) } : {}),
    };
  } catch (error) {
    // a failed run's delivery copies go (a returned run's are the caller's)
    if (delivery) {
      await removeDeliveryFiles({ dir: folderNow ? await folderNow(delivery.dir) : delivery.dir });
    }
    throw error;
  }
}
