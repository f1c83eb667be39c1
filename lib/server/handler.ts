/**
 * The spec's admin endpoint and page over the export pipeline:
 *
 *   GET /v1/admin/pricing-analytics/export?format=csv|xlsx[&days=N][&as_of=ISO][&segment=S][&refresh=1]
 *   GET /v1/admin/pricing-analytics/summary   headline numbers and top underpriced (JSON)
 *   GET /v1/admin/pricing-analytics/report    the page's report, server-rendered HTML
 *   GET /v1/admin/pricing-analytics/progress?id=NAME  the stage of the run a request waits on
 *   GET /admin/pricing-analytics              the page shell (holds no data; asks for the token)
 *   GET /healthz
 *   POST /mcp                                 the MCP server, Streamable HTTP (lib/mcp/)
 *
 * HEAD answers every GET route with the same status and headers and no body (an export HEAD
 * runs or reuses the pipeline, since its headers describe the data, but writes no file; like the
 * streamed GET it gives no content-length, the others give GET's real length).
 * (`/api/v1/…` works too: the spec's frontend snippet fetches through Next.js's /api prefix.)
 *
 * The data is built completely before a status goes out; only then does the body stream. A writer
 * that fails before its first byte gives a JSON 500, one that fails later aborts the body.
 */
import type pl from "nodejs-polars";
import { loadPricingData } from "../export.ts";
import {
  segmentFrame,
  type SegmentResult,
  SEGMENTS,
  type SegmentThresholds,
} from "../report/segments.ts";
import { createMcpHttpHandler, isLoopbackOrigin, MCP_PATH } from "../mcp/http.ts";
import { DatasetStore } from "../mcp/dataset.ts";
import { mcpSettings } from "../mcp/settings.ts";
import { BearerAuth, tokenMasker } from "./auth.ts";
import { InFlight } from "./in_flight.ts";
import { pageCsp, pageHtml } from "./page.ts";
import { type ExportParams, loggableQuery, ParamError, parseExportParams } from "./params.ts";
import { BusyError, type RunCache, type RunResult } from "./runs.ts";
import type { ServerSettings } from "./settings.ts";
import { type BodyEnd, type CsvWriter, guardedBody, oneLine, type XlsxWriter } from "./stream.ts";
import { type LoadPricingData, serverRuns } from "./server_runs.ts";
import { DEFAULT_MAX_XLSX_RENDERS, runDownloads } from "./run_downloads.ts";
import { customersOf, type PageChart, pricingSummary, summaryCharts } from "./summary.ts";
import { reportHtml } from "./summary_html.ts";
import { pageOutlook } from "./outlook.ts";
import { historyDir } from "../history/history_dir.ts";
import {
  COMMON_HEADERS,
  CONTENT_TYPES,
  downloadName,
  headResponse,
  json,
  jsonError,
} from "./responses.ts";
import { parseProgressId, progressBody, progressName } from "./progress.ts";
import type { ChartThread } from "../report/chart_thread.ts";

// createHandler's loader and the XLSX renders' default, where its callers find them
export type { LoadPricingData };
export { DEFAULT_MAX_XLSX_RENDERS };

export type HandlerSettings =
  & Pick<
    ServerSettings,
    "token" | "demo" | "cacheTtlMs" | "maxRuns" | "stripe" | "outDir" | "segmentThresholds" | "env"
  >
  & Partial<Pick<ServerSettings, "maxXlsxRenders">>;

export interface HandlerHooks {
  /** clock for the cache TTL and the default as_of (tests move it) */
  now?: () => number;
  /** access log and run messages (stderr by default) */
  log?: (line: string) => void;
  /** writers (tests wrap the real ones to fail mid-stream) */
  csv?: CsvWriter;
  xlsx?: XlsxWriter;
}

export type Handler = ((request: Request, info?: Deno.ServeHandlerInfo) => Promise<Response>) & {
  runs: RunCache<unknown>;
  /**
   * Resolves once no request is being answered and no download sent (a stop's wait); with
   * `stalledMs`, a download whose client took nothing for that long is closed meanwhile (logged).
   */
  idle: (stalledMs?: number) => Promise<void>;
};

export const EXPORT_PATH = "/v1/admin/pricing-analytics/export";
export const SUMMARY_PATH = "/v1/admin/pricing-analytics/summary";
export const REPORT_PATH = "/v1/admin/pricing-analytics/report";
export const PROGRESS_PATH = "/v1/admin/pricing-analytics/progress";
export const PAGE_PATH = "/admin/pricing-analytics";
/** Every GET (and HEAD) route; with POST MCP_PATH all the server answers (--help lists them). */
export const GET_PATHS = [
  "/",
  "/healthz",
  PAGE_PATH,
  EXPORT_PATH,
  SUMMARY_PATH,
  REPORT_PATH,
  PROGRESS_PATH,
];

/** Seconds a client is asked to wait when every run slot is taken. */
const RETRY_AFTER_SECONDS = 30;

export function createHandler(
  settings: HandlerSettings,
  { loadData = loadPricingData, hooks = {}, signal, chartThread }: {
    loadData?: LoadPricingData;
    hooks?: HandlerHooks;
    /** the chart worker kept across the MCP endpoint's run_export calls (lib/mcp/dataset.ts) */
    chartThread?: ChartThread;
    /**
     * aborted when the server stops: the runs in flight stop (their queries killed or cancelled
     * on the servers) and every request for a run gets 503 `stopping`
     */
    signal?: AbortSignal;
  } = {},
): Handler {
  const now = hooks.now ?? Date.now;
  const log = hooks.log ?? ((line: string) => console.error(line));
  const auth = new BearerAuth(settings.token);
  /** what a stop waits for: requests being answered, downloads being sent */
  const inFlight = new InFlight();
  // The MCP endpoint (lib/mcp/http.ts) checks the Origin and this same token itself. Without a
  // token (allowed only for demo data on loopback) it serves demo data only: no live export or
  // snapshot from the exports folder, no database SQL.
  const mcpBase = mcpSettings(settings.env);
  const mcpSettingsServed = settings.token === null
    ? { ...mcpBase, demoOnly: true, databaseSql: false }
    : mcpBase;
  // the server's stop stops an MCP run_export under way, as it stops the page's runs
  const mcp = createMcpHttpHandler(mcpSettingsServed, {
    auth,
    store: new DatasetStore(mcpSettingsServed, { signal, chartThread }),
    hold: () => inFlight.hold(),
  });
  const segmentNames = SEGMENTS.map((s) => s.name);
  const thresholds: SegmentThresholds = settings.segmentThresholds;
  const runs = serverRuns(settings, { loadData, log, signal, now });
  const downloads = runDownloads({
    csv: hooks.csv,
    xlsx: hooks.xlsx,
    maxXlsxRenders: settings.maxXlsxRenders,
  });

  /** A segment of the run, cut once per run (null: every organization). */
  function segmentOf(result: RunResult<unknown>, segment: string | null): SegmentResult | null {
    if (segment === null) return null;
    // thresholds are per month: another window's usage is read on a 30-day basis
    return memo(result, `segment|${segment}`, () =>
      segmentFrame(result.data.frame, {
        name: segment,
        thresholds,
        windowDays: result.data.windowDays,
      }));
  }

  function frameOf(result: RunResult<unknown>, segment: string | null): pl.DataFrame {
    return segmentOf(result, segment)?.frame ?? result.data.frame;
  }

  /**
   * Summary and charts are computed once per run and segment, not per page view. A promise that
   * rejects (the outlook's, on a snapshot removed while it was listed, or EMFILE) is dropped, so
   * the next request tries again rather than failing for the run's lifetime.
   */
  function memo<T>(result: RunResult<unknown>, key: string, make: () => T): T {
    if (!result.memo.has(key)) {
      const made = make();
      result.memo.set(key, made);
      if (made instanceof Promise) {
        made.catch(() => {
          if (result.memo.get(key) === made) result.memo.delete(key);
        });
      }
    }
    return result.memo.get(key) as T;
  }

  function runHeaders(result: RunResult<unknown>, rows: number): Record<string, string> {
    return {
      "x-pricing-as-of": result.data.asOf.toISOString(),
      "x-pricing-demo": String(result.data.demo),
      "x-pricing-rows": String(rows),
      "x-pricing-cache": result.status,
    };
  }

  /** The answer to a request for a run once the server is stopping. */
  const stopping = () =>
    jsonError(503, {
      error: "stopping",
      message: "the server is stopping; try again once it is back",
    });

  /**
   * The run for `params`; `left` is the request's signal, aborted when its client goes away
   * (deno.json's `no-legacy-abort`: not also once the answer has been sent).
   */
  async function fetchRun(
    params: ExportParams,
    request: Request,
  ): Promise<RunResult<unknown> | Response> {
    if (signal?.aborted) return stopping();
    const left = request.signal;
    try {
      return await runs.get({ days: params.days, asOf: params.asOf }, {
        refresh: params.refresh,
        signal: left,
        watcher: progressName(request),
      });
    } catch (error) {
      // (the run's error is the stop's)
      if (signal?.aborted) return stopping();
      // nobody reads this answer; the access log shows nginx's "client closed request"
      if (left.aborted) {
        return jsonError(499, { error: "client_closed", message: "the client went away" });
      }
      if (error instanceof BusyError) {
        // the message and Retry-After name the same wait
        return jsonError(503, {
          error: "busy",
          message: `${error.message}; try again in ${RETRY_AFTER_SECONDS} seconds`,
          headers: {
            "retry-after": String(RETRY_AFTER_SECONDS),
          },
        });
      }
      log(`run failed: ${oneLine(error)}`);
      return jsonError(502, {
        error: "export_failed",
        message: `the export run failed: ${oneLine(error)}`,
      });
    }
  }

  async function exportResponse(
    params: ExportParams,
    { logEnd, request }: { logEnd: (end: BodyEnd) => void; request: Request },
  ): Promise<Response> {
    const head = request.method === "HEAD";
    const result = await fetchRun(params, request);
    if (result instanceof Response) return result;
    const frame = frameOf(result, params.segment);
    const name = downloadName(result.data, { ext: params.format, segment: params.segment });
    let body: ReadableStream<Uint8Array> | null = null;
    if (!head) {
      try {
        body = await guardedBody(
          downloads[params.format](result, { frame, segment: params.segment }),
          { onEnd: logEnd, name, watch: (download) => inFlight.watch(download) },
        );
      } catch (error) {
        log(`export write failed: ${oneLine(error)}`);
        return jsonError(500, {
          error: "export_write_failed",
          message: `writing the file failed: ${oneLine(error)}`,
        });
      }
    }
    return new Response(body, {
      status: 200,
      headers: {
        ...COMMON_HEADERS,
        "content-type": CONTENT_TYPES[params.format],
        "content-disposition": `attachment; filename="${name}"`,
        ...runHeaders(result, frame.height),
      },
    });
  }

  async function summaryResponse(
    params: ExportParams,
    { html, request }: { html: boolean; request: Request },
  ): Promise<Response> {
    const result = await fetchRun(params, request);
    if (result instanceof Response) return result;
    const frame = frameOf(result, params.segment);
    // the segment's Stripe customers whole: its margins, plans, charts and underpriced list count them so
    const customers = memo(
      result,
      `customers|${params.segment}`,
      () => customersOf(result.data, { frame, segment: params.segment }),
    );
    const summary = memo(
      result,
      `summary|${params.segment}`,
      () =>
        pricingSummary(result.data, {
          frame,
          segment: params.segment,
          thresholds,
          notJudged: segmentOf(result, params.segment)?.notJudged,
          customers,
        }),
    );
    // who may churn or upgrade, against the history folder's snapshot a month before (the brief's)
    const outlook = await memo(
      result,
      `outlook|${params.segment}`,
      () =>
        pageOutlook(frame, {
          historyDir: historyDir(settings.env, settings.outDir),
          asOf: result.data.asOf,
          demo: result.data.demo,
          windowDays: result.data.windowDays,
          book: result.data.economics?.priceBook,
        }),
    );
    const headers = runHeaders(result, frame.height);
    if (!html) return json(200, { ...summary, outlook }, { headers });
    // over the segment's customers whole, as the tables; none over no organization
    const charts = memo<PageChart[]>(
      result,
      `charts|${params.segment}`,
      () => summaryCharts(summary, customers),
    );
    return new Response(reportHtml(summary, charts, outlook), {
      headers: { ...COMMON_HEADERS, "content-type": "text/html; charset=utf-8", ...headers },
    });
  }

  function pageResponse(): Response {
    const nonce = crypto.randomUUID().replaceAll("-", "");
    return new Response(
      pageHtml({ authRequired: auth.enabled, demo: settings.demo, segments: SEGMENTS, nonce }),
      {
        headers: {
          ...COMMON_HEADERS,
          "content-type": "text/html; charset=utf-8",
          "content-security-policy": pageCsp(nonce),
        },
      },
    );
  }

  async function route(
    request: Request,
    url: URL,
    { logEnd }: { logEnd: (end: BodyEnd) => void },
  ): Promise<Response> {
    // DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1 is this server's
    // own origin to the browser (no Origin on a GET); only the Host tells. A token-free server
    // (demo data on loopback) answers loopback names only; with a token any (a TLS proxy's own).
    if (!auth.enabled && !isLoopbackOrigin(url.origin)) {
      return jsonError(403, {
        error: "forbidden_host",
        message:
          "this server has no token and answers only requests addressed to localhost, 127.0.0.1 " +
          "or [::1]; open it by one of those names (or set PRICING_SERVER_TOKEN)",
      });
    }
    const path = url.pathname.startsWith("/api/v1/") ? url.pathname.slice(4) : url.pathname;
    if (path === MCP_PATH) return await mcp(request);
    if (!GET_PATHS.includes(path)) {
      return jsonError(404, {
        error: "not_found",
        message: `no such page; the export is GET ${EXPORT_PATH}`,
      });
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return jsonError(405, {
        error: "method_not_allowed",
        message: "only GET and HEAD are supported",
        headers: {
          allow: "GET, HEAD",
        },
      });
    }
    if (path === "/healthz") return json(200, { status: "ok", runs: runs.running });
    if (path === "/") {
      return new Response(null, {
        status: 302,
        headers: { ...COMMON_HEADERS, location: PAGE_PATH },
      });
    }
    if (path === PAGE_PATH) return pageResponse();

    const verdict = auth.check(request.headers.get("authorization"));
    if (!verdict.ok) {
      return jsonError(verdict.status, verdict);
    }
    let params: ExportParams;
    try {
      if (path === PROGRESS_PATH) {
        const progress = runs.progressOf(parseProgressId(url));
        return json(200, progressBody(progress, settings));
      }
      params = parseExportParams(url, {
        segmentNames,
        now: now(),
        formats: path === EXPORT_PATH ? undefined : [],
      });
    } catch (error) {
      if (error instanceof ParamError) {
        return jsonError(400, { error: "bad_request", message: error.message });
      }
      throw error;
    }
    if (path === EXPORT_PATH) {
      return await exportResponse(params, { logEnd, request });
    }
    return await summaryResponse(params, { html: path === REPORT_PATH, request });
  }

  const withoutToken = tokenMasker(settings.token); // (a token pasted into a URL)
  const handler = async (request: Request, info?: Deno.ServeHandlerInfo): Promise<Response> => {
    const started = performance.now();
    // in flight until answered; a download being sent until its body ends (logEnd)
    const release = inFlight.hold();
    const url = new URL(request.url);
    const remote = info?.remoteAddr && "hostname" in info.remoteAddr
      ? info.remoteAddr.hostname
      : "-";
    // Only the method, path and known query parameters: never headers; and a token pasted into
    // the path or a parameter's value (a 404, a 401) shown as ***.
    const line = (status: number, extra: string) =>
      log(
        withoutToken(
          `${new Date().toISOString()} ${remote} ${request.method} ${url.pathname}${
            loggableQuery(url)
          } ${status} ${Math.round(performance.now() - started)}ms${extra}`,
        ),
      );
    let streamed = false;
    let cache = "";
    let response: Response;
    try {
      response = await route(request, url, {
        logEnd: (end) => {
          streamed = true;
          release();
          line(200, `${cache} ${end.bytes}B ${end.outcome}`);
        },
      });
    } catch (error) {
      log(`internal error: ${oneLine(error)}`);
      response = jsonError(500, {
        error: "internal_error",
        message: "internal error; see the server log",
      });
    }
    const cacheStatus = response.headers.get("x-pricing-cache");
    cache = cacheStatus ? ` cache=${cacheStatus}` : "";
    // A streamed body is logged when it ends (bytes, then done, cancelled or failed); the rest now.
    const streaming = response.status === 200 && isExport(url) && request.method === "GET";
    // the page asks how far its request is twice a second: only a refused ask is logged
    const poll = response.status === 200 && url.pathname.endsWith(PROGRESS_PATH);
    if (!(streaming && !streamed)) {
      if (!poll) line(response.status, cache);
      release(); // (a HEAD's body is read here, in memory: nothing left to send)
    }
    if (request.method === "HEAD") {
      return await headResponse(response, response.status === 200 && isExport(url));
    }
    return response;
  };
  const idle = (stalledMs?: number) =>
    inFlight.idle(
      stalledMs === undefined ? undefined : {
        ms: stalledMs,
        onClosed: ({ name }) =>
          log(
            `stopped: a download (${name}) made no progress for ${
              stalledMs / 1000
            } s and was closed`,
          ),
      },
    );
  return Object.assign(handler, { runs, idle });
}

function isExport(url: URL): boolean {
  return url.pathname === EXPORT_PATH || url.pathname === `/api${EXPORT_PATH}`;
}
