/** What the economics chart tests (tests/economics*_charts_test.ts) read from a chart. */

export const count = (svg: string, tag: string) => svg.split(`<${tag}`).length - 1;

/** The caption's lines joined: the grey 11 px texts under the title. */
export function caption(svg: string): string {
  return [...svg.matchAll(/font-size="11" fill="#555"[^>]*>([^<]*)</g)].map((m) => m[1]).join(" ");
}
