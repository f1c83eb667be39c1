/** The admin server's answers: JSON bodies and errors, headers, download names. */
import type { PricingData } from "../core/types.ts";
import { exportFileName } from "../formats/files.ts";

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

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body) + "\n", {
    status,
    headers: { ...COMMON_HEADERS, "content-type": "application/json", ...headers },
  });
}

export function jsonError(status: number, error: string, message: string, headers = {}): Response {
  return json(status, { error, message }, headers);
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
