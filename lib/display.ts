/**
 * Notebook display: objects the Deno Jupyter kernel renders (VS Code shows raw Polars frames as
 * nothing, so frames go out as HTML tables).
 */
import type pl from "nodejs-polars";

export interface Displayable {
  [key: symbol]: () => Record<string, string>;
}

function displayable(bundle: Record<string, string>): Displayable {
  return { [Symbol.for("Jupyter.display")]: () => bundle };
}

/** The first `maxRows` rows as an HTML table, with the frame's size under it. */
export function frameHtml(frame: pl.DataFrame, maxRows = 20): Displayable {
  const shown = frame.head(maxRows);
  const note = frame.height > maxRows
    ? `<p><small>${maxRows} of ${frame.height} rows, ${frame.width} columns</small></p>`
    : `<p><small>${frame.height} rows, ${frame.width} columns</small></p>`;
  return displayable({ "text/html": shown.toHTML() + note, "text/plain": shown.toString() });
}

export function svgDisplay(svg: string): Displayable {
  return displayable({ "image/svg+xml": svg });
}

export function markdown(text: string): Displayable {
  return displayable({ "text/markdown": text, "text/plain": text });
}
