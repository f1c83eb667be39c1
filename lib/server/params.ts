/**
 * Strict query parameters of the export, report and summary endpoints. Anything not understood is
 * a 400 with a one-line message, never a silent default: a typo like `fromat=xlsx` must not
 * quietly download a CSV.
 */
import { UserError } from "../core/config.ts";
import { checkWindowStart, MAX_WINDOW_DAYS, parseAsOf, parseWindowDays } from "../core/window.ts";
import type { ExportFormat } from "../export.ts";
import { quoteValue } from "../core/quote.ts";

export interface ExportParams {
  format: ExportFormat;
  /** window length in days, 1–3660 (default 30) */
  days: number;
  /** end of the window; null = now, pinned when the run starts */
  asOf: Date | null;
  /** a segment name, or null for every organization */
  segment: string | null;
  /** bypass the result cache */
  refresh: boolean;
}

export class ParamError extends Error {
  override name = "ParamError";
}

export const MAX_DAYS = MAX_WINDOW_DAYS;
const PARAM_NAMES = ["format", "days", "as_of", "segment", "refresh"] as const;

/** The one as-of rule (lib/core/window.ts): a date, or a timestamp with a zone; not in the future. */
export function parseAsOfParam(value: string, now: number): Date {
  return asParamError(() => parseAsOf(value, { name: "as_of", now }));
}

/** The rule's UserError as the 400 this module answers with. */
function asParamError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof UserError) throw new ParamError(error.message);
    throw error;
  }
}

/**
 * Reads the query of `url`. `formats` lists what this endpoint serves (the export: csv and xlsx;
 * the summary and report: none, so `format` is refused there).
 */
export function parseExportParams(
  url: URL,
  { segmentNames, now, formats = ["csv", "xlsx"] }: {
    segmentNames: readonly string[];
    now: number;
    formats?: readonly ExportFormat[];
  },
): ExportParams {
  const allowed: readonly string[] = formats.length > 0
    ? PARAM_NAMES
    : PARAM_NAMES.filter((n) => n !== "format");
  const seen = new Set<string>();
  for (const name of url.searchParams.keys()) {
    if (!allowed.includes(name)) {
      // Named when it looks like a parameter name (up to 24 characters): a token pasted into the
      // URL by mistake (32 characters or more) must not come back.
      const shown = /^[A-Za-z][\w.-]{0,23}$/.test(name) ? ` ${JSON.stringify(name)}` : "";
      throw new ParamError(`unknown query parameter${shown}; allowed: ${allowed.join(", ")}`);
    }
    if (seen.has(name)) throw new ParamError(`${name} is given more than once; give it once`);
    seen.add(name);
  }
  const get = (name: string) => url.searchParams.get(name);

  let format: ExportFormat = "csv";
  const rawFormat = get("format");
  if (rawFormat !== null) {
    if (!(formats as readonly string[]).includes(rawFormat)) {
      throw new ParamError(
        `format must be ${formats.join(" or ")}, got ${quoteValue(rawFormat)}`,
      );
    }
    format = rawFormat as ExportFormat;
  }

  let days = 30;
  const rawDays = get("days");
  if (rawDays !== null) {
    days = asParamError(() => parseWindowDays(rawDays, { name: "days" }));
  }

  const rawAsOf = get("as_of");
  const asOf = rawAsOf === null ? null : parseAsOfParam(rawAsOf, now);
  // (now's window starts long after 1970: only a given as_of can start one before)
  if (asOf) {
    asParamError(() => checkWindowStart({ asOf, days, asOfName: "as_of", daysName: "days" }));
  }

  const segment = get("segment");
  if (segment !== null && !segmentNames.includes(segment)) {
    throw new ParamError(
      `segment must be one of ${segmentNames.join(", ")}, got ${quoteValue(segment)}`,
    );
  }

  const rawRefresh = get("refresh");
  if (rawRefresh !== null && rawRefresh !== "0" && rawRefresh !== "1") {
    throw new ParamError(`refresh must be 1 (or 0), got ${quoteValue(rawRefresh)}`);
  }

  return { format, days, asOf, segment, refresh: rawRefresh === "1" };
}

/** The query as the access log shows it: only known parameters, values of known shape. */
export function loggableQuery(url: URL): string {
  const parts: string[] = [];
  let unknown = 0;
  for (const [name, value] of url.searchParams) {
    if ((PARAM_NAMES as readonly string[]).includes(name)) {
      parts.push(`${name}=${/^[\w.:+-]{0,40}$/.test(value) ? value : "…"}`);
    } else unknown++;
  }
  if (unknown > 0) parts.push(`(+${unknown} unknown)`);
  return parts.length > 0 ? `?${parts.join("&")}` : "";
}
