/**
 * Strict query parameters of the export, report and summary endpoints. Anything not understood is
 * a 400 with a one-line message, never a silent default: a typo like `fromat=xlsx` must not
 * quietly download a CSV.
 */
import type { ExportFormat } from "../export.ts";

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

export const MAX_DAYS = 3660;
const PARAM_NAMES = ["format", "days", "as_of", "segment", "refresh"] as const;

/** `2026-11-01`, or a timestamp with a zone: `2026-11-01T12:00:00Z`, `…+02:00`. */
const AS_OF_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

export function parseAsOfParam(value: string, now: number): Date {
  const match = AS_OF_PATTERN.exec(value);
  const problem = `as_of must be a date like 2026-11-01 or a timestamp with a zone like ` +
    `2026-11-01T12:00:00Z, got ${JSON.stringify(value)}`;
  if (!match) throw new ParamError(problem);
  const [, y, mo, d, h, mi, s] = match;
  // Date.UTC rolls 2026-02-30 over to March: a field that changes on the way back was invalid.
  const fields = new Date(Date.UTC(+y, +mo - 1, +d, +(h ?? 0), +(mi ?? 0), +(s ?? 0)));
  if (
    fields.getUTCFullYear() !== +y || fields.getUTCMonth() !== +mo - 1 ||
    fields.getUTCDate() !== +d || fields.getUTCHours() !== +(h ?? 0) ||
    fields.getUTCMinutes() !== +(mi ?? 0) || fields.getUTCSeconds() !== +(s ?? 0)
  ) {
    throw new ParamError(problem);
  }
  const date = new Date(h === undefined ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) throw new ParamError(problem);
  if (date.getTime() > now) {
    throw new ParamError(`as_of ${value} is in the future; leave it out to export up to now`);
  }
  return date;
}

/**
 * Reads the query of `url`. `formats` lists what this endpoint serves (the export: csv and xlsx;
 * the summary and report: none, so `format` is refused there).
 */
export function parseExportParams(
  url: URL,
  segmentNames: readonly string[],
  now: number,
  formats: readonly ExportFormat[] = ["csv", "xlsx"],
): ExportParams {
  const allowed: readonly string[] = formats.length > 0
    ? PARAM_NAMES
    : PARAM_NAMES.filter((n) => n !== "format");
  const seen = new Set<string>();
  for (const name of url.searchParams.keys()) {
    if (!allowed.includes(name)) {
      // The name is not echoed: a token pasted into the URL by mistake must not come back.
      throw new ParamError(`unknown query parameter; allowed: ${allowed.join(", ")}`);
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
        `format must be ${formats.join(" or ")}, got ${JSON.stringify(rawFormat)}`,
      );
    }
    format = rawFormat as ExportFormat;
  }

  let days = 30;
  const rawDays = get("days");
  if (rawDays !== null) {
    days = /^[1-9]\d{0,3}$/.test(rawDays) ? Number(rawDays) : NaN;
    if (!(days <= MAX_DAYS)) {
      throw new ParamError(
        `days must be a whole number from 1 to ${MAX_DAYS}, got ${JSON.stringify(rawDays)}`,
      );
    }
  }

  const rawAsOf = get("as_of");
  const asOf = rawAsOf === null ? null : parseAsOfParam(rawAsOf, now);

  const segment = get("segment");
  if (segment !== null && !segmentNames.includes(segment)) {
    throw new ParamError(
      `segment must be one of ${segmentNames.join(", ")}, got ${JSON.stringify(segment)}`,
    );
  }

  const rawRefresh = get("refresh");
  if (rawRefresh !== null && rawRefresh !== "0" && rawRefresh !== "1") {
    throw new ParamError(`refresh must be 1 (or 0), got ${JSON.stringify(rawRefresh)}`);
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
