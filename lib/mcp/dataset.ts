/**
 * The dataset the MCP tools answer from: the newest export in the exports folder (export_folder.ts
 * lists them), read back with lib/formats/read_export.ts, reloaded when a newer export lands or its
 * manifest or brief lands or changes (checked on every request: one folder listing and two stats;
 * once more after a read, which is made again when the export was published again meanwhile).
 * With no export there, the demo dataset is built in memory (loadPricingData with demo), so a fresh
 * checkout answers at once and says it is demo data.
 */
import { windowWarning } from "../frame/monthly.ts";
import pl from "nodejs-polars";
import { loadPricingData, runExport } from "../export.ts";
import { rowsSayDemo } from "../formats/export_demo.ts";
import { isUnmappedRecord } from "../revenue/unmapped_record.ts";
import { costModelBlock, type Manifest } from "../report/manifest.ts";
import type { ChartThread } from "../report/chart_thread.ts";
import { UserError } from "../core/config.ts";
import { collectDroppedFrames } from "../core/memory.ts";
import { someInWords } from "../core/words.ts";
import { type WarningKind, warningKindsFromStored } from "../core/warning_kinds.ts";
import { exportsDirChosenBy, type McpSettings } from "./settings.ts";
import {
  readManifest,
  readServedExport,
  type ServedManifest,
  UnreadableExport,
} from "./export_reading.ts";
import {
  type ExportProgressListener,
  type ExportRequest,
  ExportRuns,
  progressHooks,
} from "./export_run.ts";
import {
  type ExportCandidate,
  freshnessKey,
  listExports,
  liveOnDemoOnlyError,
  sibling,
} from "./export_folder.ts";

/** The manifest's `cost_model` block (lib/report/manifest.ts), the shape every answer uses. */
export interface CostModelBlock {
  infra_usd_per_1k_requests: number | null;
  infra_usd_per_gb_stored: number | null;
  ptb_revenue_read: boolean;
  price_book: string;
  /** the path the export read the price book from; null: not recorded (older) */
  price_book_path: string | null;
  /** hex SHA-256 of the price book's bytes as the export read them; null: not recorded (older) */
  price_book_sha256: string | null;
}

/** The cost model a dataset was computed with, and where that is recorded. */
export interface DatasetCostModel extends CostModelBlock {
  /** the export's manifest, or the economics settings (the in-memory demo) */
  from: "manifest" | "settings";
}

export interface DatasetSource {
  kind: "export" | "memory";
  /** the export file read (kind "export"), and its candidate's size, file time and fileId when read */
  path?: string;
  size?: number;
  mtimeMs?: number;
  fileId?: string;
  /** its manifest, brief and CSV beside it, when present */
  manifestPath?: string;
  briefPath?: string;
  csvPath?: string;
}

export interface Dataset {
  /** one row per organization, columns = the column table's names in order */
  frame: pl.DataFrame;
  asOf: Date;
  window: { start: Date; end: Date; days: number };
  demo: boolean;
  source: DatasetSource;
  warnings: string[];
  /**
   * the columns the served export did not have, written before them (readAsIs changes, read as
   * empty: lib/frame/earlier_columns.ts); absent when it has every column
   */
  lacks?: readonly string[];
  /**
   * the kind of each of `warnings` that is not `other` (lib/core/warning_kinds.ts); absent when
   * the manifest stored none (written before kinds were): its warnings are known by their words
   */
  warningKinds?: Map<string, WarningKind>;
  /** the cost model the economics columns were computed with; absent for older exports */
  costModel?: DatasetCostModel;
  /**
   * Stripe customers no organization maps to, with MRR at the as-of (the manifest's
   * revenue.unmapped_customers): in Stripe's MRR, not in the rows; absent when none or unrecorded
   */
  unmappedStripeCustomers?: UnmappedStripeCustomers;
  /**
   * the newest export (and any after this one) cannot be read: this is the newest that can, and
   * every answer from it says so (lib/mcp/served_note.ts); absent when it is the newest
   */
  notNewest?: { unreadable: UnreadableFile[] };
  loadedAt: Date;
}

/** The manifest's revenue.unmapped_customers (lib/report/manifest.ts). */
export type UnmappedStripeCustomers = NonNullable<Manifest["revenue"]["unmapped_customers"]>;

/**
 * The manifest's record of unmapped customers, when it is whole and names some: its zeros ("none",
 * every customer mapped) are left out, as the brief and the admin page say nothing then.
 */
function unmappedOf(manifest: ServedManifest | null): UnmappedStripeCustomers | undefined {
  const unmapped = manifest?.revenue?.unmapped_customers;
  if (!isUnmappedRecord(unmapped)) return undefined;
  if (unmapped.customers === 0 && unmapped.unknown_mrr_customers === 0) return undefined;
  const { customers, mrr_usd, mrr_recurring_usd, unknown_mrr_customers } = unmapped;
  return { customers, mrr_usd, mrr_recurring_usd, unknown_mrr_customers };
}

/** An export that cannot be read: its name, and the one-line error naming it and what to do. */
export interface UnreadableFile {
  name: string;
  problem: string;
}

/**
 * Whether `path` is a file of the exports folder itself: a symbolic link there is not followed (it
 * could lead out of the folder, to a file the server's user may read and its placer may not), as
 * listExports lists no linked export.
 */
async function folderFile(path: string): Promise<boolean> {
  return await Deno.lstat(path).then((stat) => stat.isFile, () => false);
}

/** A manifest's cost_model block as answers carry it: no recorded hash (older exports) is null. */
function manifestCostModel(block: Manifest["cost_model"]): DatasetCostModel {
  const { price_book_sha256: sha256, price_book_path: path } = block as Partial<
    Manifest["cost_model"]
  >;
  return {
    ...block,
    price_book_path: typeof path === "string" ? path : null,
    price_book_sha256: typeof sha256 === "string" ? sha256 : null,
    from: "manifest",
  };
}

/** The warning that the served export `name` did not have the columns `lacks` (read as empty). */
export function lackedColumnsWarning(name: string, lacks: readonly string[]): string {
  const one = lacks.length === 1;
  return `${name} was written by an earlier kit version, before ${
    someInWords([...lacks], { shown: 5 })
  }: read as empty (a query_sql filter on ${one ? "it" : "them"} finds nothing, which is not ` +
    `zero); re-export with deno task export to have ${one ? "it" : "them"}`;
}

/** An export file and what lies beside it, as a Dataset. */
export async function datasetFromExport(
  candidate: ExportCandidate,
  { afterFileRead }: Pick<DatasetStoreHooks, "afterFileRead"> = {},
): Promise<Dataset> {
  const file = await readServedExport(candidate.path);
  await afterFileRead?.(candidate.path);
  const manifestPath = sibling(candidate, "manifest.json");
  const manifest = await readManifest(manifestPath);
  const warnings = [...(manifest?.warnings ?? [])];
  const warningKinds = manifest ? warningKindsFromStored(warnings, manifest.warning_kinds) : null;
  let window: Dataset["window"];
  let asOf = candidate.asOf;
  if (manifest) {
    asOf = new Date(manifest.as_of);
    window = {
      start: new Date(manifest.window.start),
      end: new Date(manifest.window.end),
      days: manifest.window.days,
    };
  } else {
    const days = candidate.windowDays;
    window = { start: new Date(asOf.getTime() - days * 86_400_000), end: asOf, days };
    warnings.push(
      `no manifest beside ${candidate.name}: the window is assumed to be ${days} days to its date`,
    );
  }
  // another window's figures: said whether or not a manifest carried it (an export's does)
  const windowNote = windowWarning(window.days);
  // stored already: by its kind, or (a manifest written before kinds) by its words
  const isWindowNote = (w: string) =>
    warningKinds ? warningKinds.get(w) === "window" : w === windowNote;
  if (windowNote && !warnings.some(isWindowNote)) {
    warnings.push(windowNote);
    warningKinds?.set(windowNote, "window");
  }
  // a readAsIs export's columns read as empty: said, so a filter finding nothing is not read as 0
  if (file.lacks.length > 0) warnings.push(lackedColumnsWarning(candidate.name, file.lacks));
  const unmapped = unmappedOf(manifest);
  const source: DatasetSource = {
    kind: "export",
    path: candidate.path,
    size: candidate.size,
    mtimeMs: candidate.mtimeMs,
    fileId: candidate.fileId,
  };
  if (manifest) source.manifestPath = manifestPath;
  if (await folderFile(sibling(candidate, "md"))) source.briefPath = sibling(candidate, "md");
  if (await folderFile(sibling(candidate, "csv"))) source.csvPath = sibling(candidate, "csv");
  return {
    // its text as entered: the reader takes the CSV/XLSX writers' formula guard off
    frame: file.frame,
    asOf,
    window,
    // rows whose revenue_source is demo are demo data whatever the name or manifest says
    demo: (manifest?.demo ?? candidate.demo) || rowsSayDemo(file.frame),
    source,
    warnings,
    ...(file.lacks.length > 0 ? { lacks: file.lacks } : {}),
    ...(warningKinds ? { warningKinds } : {}),
    ...(manifest?.cost_model ? { costModel: manifestCostModel(manifest.cost_model) } : {}),
    ...(unmapped ? { unmappedStripeCustomers: unmapped } : {}),
    loadedAt: new Date(),
  };
}

/** The demo dataset, built in memory as of `asOf`. */
export async function demoDataset(settings: McpSettings, asOf: Date): Promise<Dataset> {
  const data = await loadPricingData({
    demo: true,
    asOf,
    env: settings.env,
    outDir: settings.exportsDir,
    quiet: true,
    log: () => {},
  });
  return {
    frame: data.frame,
    asOf: data.asOf,
    window: data.window,
    demo: true,
    source: { kind: "memory" },
    warnings: [
      `no ${
        settings.demoOnly ? "demo " : ""
      }export in ${settings.exportsDir}: this is the built-in demo dataset, built in memory (run deno task export)`,
      ...data.warnings,
    ],
    warningKinds: new Map(data.warningKinds),
    costModel: { ...costModelBlock(data), from: "settings" },
    loadedAt: new Date(),
  };
}

export interface DatasetStoreHooks {
  /** the demo dataset's as-of (default: now) */
  now?: () => Date;
  /** the server's stop (its first SIGINT/SIGTERM): a run_export under way stops with it */
  signal?: AbortSignal;
  /**
   * the server's chart worker, kept across its run_export calls (lib/report/chart_thread.ts);
   * without it each export starts one and ends it, leaving two file descriptors open
   */
  chartThread?: ChartThread;
  /**
   * tests: called once an export file is read: the dataset's, before its manifest is, and each
   * of compare_exports' reads of a side's file
   */
  afterFileRead?: (path: string) => Promise<void>;
}

/** What one run_export wrote, and the dataset served after it. */
export interface ExportRun {
  /** the export's file read back by the tools: its CSV, else its workbook */
  path: string;
  rows: number;
  asOf: Date;
  windowDays: number;
  /**
   * the newest export after it: this one, or of one date the 30-day export (another window's is
   * not served over it, see listExports)
   */
  dataset: Dataset;
}

/** The dataset being served and what it was read from (each file's freshnessKey). */
interface Loaded {
  /** the newest export's key ("memory": none, the demo built in memory) */
  newestKey: string;
  /**
   * once an export older than the newest is served: the keys of the newest down to it (one of
   * them changing, or an export landing between, reads the folder again)
   */
  keys?: string[];
  dataset: Promise<Dataset>;
}

/** Reads of the newest export, at most, when each finds it published again meanwhile. */
const SET_READS = 3;

/** Unreadable newer exports a note lists by name, beyond the newest (which it quotes). */
export const UNREADABLE_LISTED = 3;

/**
 * Holds the current dataset; `current()` reloads when the newest export changed. When the newest
 * export cannot be read (cut short, empty, a damaged manifest) the newest that can is served, and
 * the dataset says so (`notNewest`), for every answer to say it (lib/mcp/served_note.ts): failing
 * every tool left the older good export unused; serving it silently would pass old data off as
 * current.
 */
export class DatasetStore {
  #loaded: Loaded | null = null;
  readonly #exports: ExportRuns<ExportRun>;

  constructor(readonly settings: McpSettings, readonly hooks: DatasetStoreHooks = {}) {
    this.#exports = new ExportRuns(
      (windowDays, run) => this.#runExport(windowDays, run),
      hooks.signal,
    );
  }

  async current(): Promise<Dataset> {
    for (let reads = 1;; reads++) {
      const { loaded, read } = await this.#held();
      const dataset = await loaded.dataset;
      // Published again while it was read (another run's publish renames its files one at a
      // time): the file read may be one run's and its manifest the other's. Read again.
      if (!read || reads === SET_READS || (await this.#newest()).key === loaded.newestKey) {
        return dataset;
      }
      if (this.#loaded === loaded) this.#loaded = null;
    }
  }

  /** The exports in the folder, and the newest one's freshnessKey ("memory": none). */
  async #newest(): Promise<{ exports: ExportCandidate[]; key: string }> {
    const exports = await listExports(this.settings.exportsDir, {
      demoOnly: this.settings.demoOnly,
    });
    return { exports, key: exports.length > 0 ? await freshnessKey(exports[0]) : "memory" };
  }

  /** The dataset held, loaded first when the newest export changed (`read`: by this call). */
  async #held(): Promise<{ loaded: Loaded; read: boolean }> {
    const { exports, key: newestKey } = await this.#newest();
    let held = this.#loaded;
    if (held?.newestKey === newestKey && held.keys) {
      const keys = await Promise.all(exports.slice(0, held.keys.length).map(freshnessKey));
      if (keys.join("\n") !== held.keys.join("\n")) held = null;
    }
    if (held?.newestKey !== newestKey) {
      const loaded: Loaded = { newestKey, dataset: null! };
      loaded.dataset = exports.length > 0
        ? this.#newestReadable(exports, loaded)
        : demoDataset(this.settings, this.hooks.now?.() ?? new Date());
      this.#loaded = held = loaded;
      // A failed load is not cached: the next request tries again.
      loaded.dataset.catch(() => {
        if (this.#loaded === loaded) this.#loaded = null;
      });
      return { loaded, read: true };
    }
    return { loaded: held, read: false };
  }

  /**
   * The newest of `exports` that reads, newest first; `loaded.keys` set when it is not the first.
   * None reading is the newest's error, saying how many older ones failed too.
   */
  async #newestReadable(exports: ExportCandidate[], loaded: Loaded): Promise<Dataset> {
    const demoOnly = this.settings.demoOnly;
    const unreadable: UnreadableFile[] = [];
    const keys = [loaded.newestKey];
    for (const candidate of exports) {
      if (unreadable.length > 0) keys.push(await freshnessKey(candidate));
      let dataset: Dataset;
      try {
        dataset = await datasetFromExport(candidate, this.hooks);
      } catch (error) {
        if (!(error instanceof UnreadableExport)) throw error;
        unreadable.push({ name: candidate.name, problem: error.message });
        await collectDroppedFrames(); // (what the failed read held)
        continue;
      }
      // A file named _demo whose manifest says live is live data all the same.
      if (demoOnly && !dataset.demo) throw liveOnDemoOnlyError(candidate.name);
      if (unreadable.length > 0) {
        loaded.keys = keys;
        dataset.notNewest = { unreadable };
      }
      return dataset;
    }
    const [newest, ...older] = unreadable;
    throw new UnreadableExport(
      older.length === 0
        ? newest.problem
        : `${newest.problem} (the ${older.length} older ${
          older.length === 1 ? "export" : "exports"
        } there cannot be read either: ${
          older.slice(0, UNREADABLE_LISTED).map((e) => e.name).join(", ")
        }${older.length > UNREADABLE_LISTED ? ", …" : ""})`,
    );
  }

  /**
   * Runs the export into the exports folder until `signal` aborts, and returns what it wrote, not
   * its result: the frame awaited in #runExport's own body stayed reachable from the suspended
   * function while the file was read back (+~450 MB at a million organizations).
   */
  async #writeExport(
    windowDays: number,
    { signal, progress }: { signal: AbortSignal; progress: ExportProgressListener },
  ): Promise<Omit<ExportRun, "dataset">> {
    const result = await runExport({
      ...progressHooks(progress),
      ...(this.settings.demoOnly ? { demo: true } : {}),
      outDir: this.settings.exportsDir,
      outDirChosenBy: exportsDirChosenBy(this.settings),
      env: this.settings.env,
      windowDays,
      asOf: this.hooks.now?.() ?? new Date(),
      quiet: true,
      log: () => {},
      signal,
    }, { chartThread: this.hooks.chartThread });
    return {
      path: (result.csvPath ?? result.xlsxPath)!,
      rows: result.data.frame.height,
      asOf: result.data.asOf,
      windowDays: result.data.window.days,
    };
  }

  /** One export run, then the dataset reloaded (the newest export after it). */
  async #runExport(
    windowDays: number,
    { signal, progress }: { signal: AbortSignal; progress: ExportProgressListener },
  ): Promise<ExportRun> {
    // The dataset held now is let go first, and the export's frames before its file is read
    // back: their peaks would add up (at a million organizations 1.96 GB with the dataset held,
    // ~0.5 GB of it the dataset). A failed or stopped export reads the newest file again on the
    // next request.
    this.#loaded = null;
    await collectDroppedFrames();
    const written = await this.#writeExport(windowDays, { signal, progress });
    await collectDroppedFrames();
    return { ...written, dataset: await this.current() };
  }

  /** The window of the export under way, if one is (tests wait on it). */
  get exportingDays(): number | null {
    return this.#exports.windowDays;
  }

  /** Requests waiting for the export under way that have not gone (tests wait on it). */
  get exportRequests(): number {
    return this.#exports.requests;
  }

  /**
   * Runs a fresh export into the exports folder (only when the setting allows), then reloads. A
   * request while one runs shares it when it asks for the same window, and is refused when it
   * asks for another: it must never be answered with a run it did not ask for. `request` is the
   * request's signal: the run stops (nothing written) once every request sharing it has gone.
   * `onProgress` hears its steps (MCP progress notifications).
   */
  async exportNow(windowDays: number, exportRequest: ExportRequest = {}): Promise<ExportRun> {
    if (!this.settings.allowExport) {
      throw new UserError(
        "running an export is off: the operator can allow it with PRICING_MCP_ALLOW_EXPORT=1",
      );
    }
    return await this.#exports.join(windowDays, exportRequest);
  }

  /** Settles once no export is under way (its files published or its staging removed). */
  async exportSettled(): Promise<void> {
    await this.#exports.settled();
  }
}
