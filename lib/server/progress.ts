/**
 * How far a page's request is while its run goes on (`GET /v1/admin/pricing-analytics/progress`):
 * the page names each export or report request with an `X-Pricing-Progress` header and asks this
 * endpoint about that name while it waits, so two exports at once (two tabs, two buttons) each
 * show their own run's stage. A name nobody waits under answers `{"run":null}`: not arrived yet,
 * answered from the cache, or its run done.
 */
import type { ExportOptions } from "../core/types.ts";
import { quoteValue } from "../core/quote.ts";
import { ParamError } from "./params.ts";
import type { RunProgress } from "./runs.ts";

/** The header a request names itself with; the progress endpoint's `id` is its value. */
export const PROGRESS_HEADER = "x-pricing-progress";

/**
 * The stages of a server run, in order: lib/export.ts's loadPricingData times them under these
 * names (tests/server_progress_test.ts checks they still match).
 */
export const RUN_STAGES = ["queries", "join", "revenue", "metrics"] as const;

/** What each stage does, as the page says it. */
const STAGE_LABELS: Record<string, string> = {
  queries: "querying the databases",
  join: "joining the query results",
  revenue: "reading Stripe revenue",
  metrics: "computing the metrics",
};

/** A request name: the page's random UUID; anything sane a script might choose. */
const NAME = /^[A-Za-z0-9_-]{8,64}$/;

/** The header's name, or undefined when absent or not a name (the request then has no progress). */
export function progressName(request: Request): string | undefined {
  const value = request.headers.get(PROGRESS_HEADER);
  return value !== null && NAME.test(value) ? value : undefined;
}

/** The progress endpoint's one parameter, `id`: a 400's one line otherwise. */
export function parseProgressId(url: URL): string {
  for (const key of url.searchParams.keys()) {
    if (key !== "id") {
      throw new ParamError(`unknown parameter ${quoteValue(key)}: the progress endpoint takes id`);
    }
  }
  const id = url.searchParams.get("id");
  if (id === null || !NAME.test(id)) {
    throw new ParamError(
      `id must be the name a request sent in X-Pricing-Progress (8 to 64 letters, digits, - or _), got ${
        id === null ? "none" : quoteValue(id)
      }`,
    );
  }
  return id;
}

/** What a run is doing, as the page says it: the stage's label for this server's data. */
function stageLabel(stage: string | null, { demo, stripe }: { demo: boolean; stripe: string }) {
  if (stage === null) return "starting";
  if (stage === "queries" && demo) return "building the demo dataset";
  if (stage === "revenue" && demo) return "making the demo revenue";
  if (stage === "revenue" && stripe === "skip") return "leaving revenue out (Stripe skipped)";
  return STAGE_LABELS[stage] ?? stage;
}

/** The progress endpoint's JSON: the run's stage (its number of RUN_STAGES) and its size. */
export function progressBody(
  progress: RunProgress | null,
  server: { demo: boolean; stripe: string },
): { run: null | Record<string, unknown> } {
  if (progress === null) return { run: null };
  const index = progress.stage === null
    ? -1
    : (RUN_STAGES as readonly string[]).indexOf(progress.stage);
  return {
    run: {
      stage: progress.stage,
      label: stageLabel(progress.stage, server),
      step: index < 0 ? null : index + 1,
      steps: RUN_STAGES.length,
      organizations: progress.organizations,
    },
  };
}

/** The loader's hooks that keep `progress` up to date from the pipeline's stage reports. */
export function progressHooks(
  progress: RunProgress,
): Pick<ExportOptions, "onStageTime" | "onStage"> {
  return {
    onStageTime: (name, phase) => {
      if (phase === "start") progress.stage = name;
    },
    onStage: (event) => {
      if (event.stage === "queries") {
        progress.organizations = event.frames.organizations?.height ?? null;
      }
    },
  };
}
