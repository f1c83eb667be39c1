/** What the chart tests (tests/chart*_test.ts) read from a chart: PNG size, SVG caption lines, legend colours. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";

/** The PNG header's width and height (IHDR is the first chunk: bytes 16–23, big-endian). */
export function pngSize(png: Uint8Array): [number, number] {
  assertEquals([...png.slice(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assertEquals(new TextDecoder().decode(png.slice(12, 16)), "IHDR");
  const view = new DataView(png.buffer, png.byteOffset);
  return [view.getUint32(16), view.getUint32(20)];
}

/** The caption's lines: the grey 11 px texts under the title. */
export function captionLines(svg: string): string[] {
  return [...svg.matchAll(/font-size="11" fill="#555"[^>]*>([^<]*)</g)].map((m) => m[1]);
}

/** A chart's legend: each label's swatch colour. */
export function legendColors(svg: string): Record<string, string> {
  const found: Record<string, string> = {};
  const swatch =
    /<rect x="[\d.]+" y="[\d.]+" width="12" height="12" rx="2" fill="(#[0-9a-f]{6})"\/><text[^>]*>([^<]*)<\/text>/g;
  for (const [, color, label] of svg.matchAll(swatch)) found[label] = color;
  return found;
}
