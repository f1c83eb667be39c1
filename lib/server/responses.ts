/** The admin server's answers: JSON bodies and errors, headers, download names. */
import type { PricingData } from "../core/types.ts";
import { exportFileName } from "../formats/export_names.ts";

export const CONTENT_TYPES = {
  csv: "text/csv",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
} as const;

/** Headers on every answer: nothing cached, sniffed, referred or framed. */
export const COMMON_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

export interface JsonOptions {
  /** headers besides COMMON_HEADERS and the content type */
  headers?: Record<string, string>;
}

export function json(
  status: number,
  body: unknown,
  { headers = {} }: JsonOptions = {},
): Response {
  return new Response(JSON.stringify(body) + "\n", {
    status,
    headers: { ...COMMON_HEADERS, "content-type": "application/json", ...headers },
  });
}

/** An error answer's body, `{"error": …, "message": …}`, and its extra headers. */
export interface JsonErrorOptions extends JsonOptions {
  /** the error's code (`not_found`), for programs */
  error: string;
  /** one line saying what is wrong and what to do, for people */
  message: string;
}

export function jsonError(status: number, { error, message, headers }: JsonErrorOptions): Response {
  return json(status, { error, message }, { headers });
}

/**
 * `helicone_pricing_data_2026-11-01.csv`; a segment adds its name, demo data `_demo`, a window
 * other than 30 days `_<N>d`.
 */
export function downloadName(
  data: PricingData,
  { ext, segment }: { ext: string; segment: string | null },
): string {
  return exportFileName({
    asOf: data.asOf,
    demo: data.demo,
    windowDays: data.windowDays,
    ext,
    suffix: segment ?? undefined,
  });
}

/**
 * The GET answer without its body: same status and headers. A body GET sends whole gets its real
 * content-length; a streamed download (sent chunked, length unknown up front) gets none, where a
 * null body would claim `content-length: 0`.
 */
export async function headResponse(response: Response, streamed: boolean): Promise<Response> {
  const init = { status: response.status, headers: new Headers(response.headers) };
  if (streamed) {
    await response.body?.cancel();
    // an empty stream has no known length, so no content-length is sent (and no body for HEAD)
    return new Response(new ReadableStream({ start: (c) => c.close() }), init);
  }
  const bytes = response.body ? (await response.arrayBuffer()).byteLength : 0;
  init.headers.set("content-length", String(bytes));
  return new Response(null, init);
}
