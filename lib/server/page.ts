/**
 * The admin page (`GET /admin/pricing-analytics`): plain HTML and one small inline script, no
 * build step. The shell holds no data, so it is public; the report (numbers, charts, the
 * underpriced table) is rendered on the server by the token-protected
 * `/v1/admin/pricing-analytics/report` and inserted once the token is accepted. The token lives in
 * sessionStorage (gone when the tab closes) and travels only in the Authorization header.
 */
import { escapeHtml } from "../report/html_text.ts";
import { SCRIPT } from "./page_script.ts";

export interface PageOptions {
  /** false when the server runs without a token (demo data on loopback) */
  authRequired: boolean;
  demo: boolean;
  segments: readonly { name: string; title: string }[];
  /** CSP nonce of the inline script */
  nonce: string;
}

const STYLE = `
  body { font: 14px/1.45 system-ui, "DejaVu Sans", sans-serif; margin: 0; color: #111827; background: #f9fafb; }
  header { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; padding: 14px 24px;
    background: #fff; border-bottom: 1px solid #e5e7eb; }
  header h1 { font-size: 18px; margin: 0 auto 0 0; }
  main { padding: 16px 24px; max-width: 1200px; }
  /* a long setting name in a warning (PRICING_INFRA_USD_PER_1K_REQUESTS) breaks rather than
     widen a 320 px page past the screen (WCAG reflow); tables scroll in their own box instead */
  main p, main li, .stat { overflow-wrap: break-word; }
  button { font: inherit; padding: 6px 12px; border-radius: 6px; border: 1px solid #d1d5db;
    background: #fff; cursor: pointer; }
  button.primary { background: #2563eb; border-color: #2563eb; color: #fff; }
  button:disabled { opacity: .5; cursor: default; }
  /* an export under way: its button keeps the focus (a disabled one would drop it to the page) */
  button[aria-disabled="true"] { opacity: .5; cursor: progress; }
  label { font-size: 12px; color: #4b5563; display: inline-flex; flex-direction: column; gap: 2px; }
  select { max-width: 240px; }
  input, select { font: inherit; padding: 4px 6px; border: 1px solid #d1d5db; border-radius: 6px; }
  #unlock { display: flex; gap: 8px; align-items: end; margin: 24px 0; }
  /* the token field shrinks to leave Unlock on a phone's screen (its size=40 is 286 px) */
  #unlock label { flex: 1 1 auto; max-width: 300px; min-width: 0; }
  #token { width: 100%; box-sizing: border-box; }
  #status { min-height: 1.4em; color: #4b5563; }
  #status.error { color: #b91c1c; }
  #status:empty { min-height: 0; margin: 0; }
  #exports { list-style: none; padding: 0; margin: 0 0 12px; }
  #exports li { padding: 3px 0; color: #4b5563; }
  #exports li.error { color: #b91c1c; }
  #exports .date { white-space: nowrap; }
  #exports button { padding: 1px 8px; font-size: 12px; margin-left: 6px; }
  .banner { background: #fef3c7; border: 1px solid #f59e0b; padding: 6px 10px; border-radius: 6px; }
  .revenue-missing p { margin: 4px 0; }
  .stats { display: flex; gap: 12px; flex-wrap: wrap; margin: 12px 0; }
  .stat { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 16px; min-width: 170px; }
  .stat .label { font-size: 12px; color: #6b7280; }
  .stat .value { font-size: 24px; font-weight: 600; }
  .stat .note { font-size: 11px; color: #6b7280; }
  #tools { display: flex; gap: 8px; flex-wrap: wrap; align-items: end; }
  /* one column of charts, each at its drawn size (880 px, its figure's padding and border 18 more)
     and never wider than the screen: two columns in the page's 1,152 px drew them at 0.65, their
     10-12 px labels and ticks 6.5-8 px on a desktop */
  .charts { display: grid; grid-template-columns: minmax(0, 898px); gap: 12px; }
  figure { margin: 0; background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px;
    overflow-x: auto; }
  figure svg { display: block; width: 100%; height: auto; }
  .charts-hint { display: none; }
  /* a chart with a narrow variant (the two by plan) carries both: the wide one here */
  figure .narrow { display: none; }
  /* On a phone an 880-unit chart shrunk to the screen has 4 px text: it keeps 640 px (text ~8.5 px,
     pinch to zoom further) and its figure scrolls sideways. A chart with a narrow variant (drawn
     ~340 px wide, its names above its bars) shows that instead, fitting the screen. */
  @media (max-width: 680px) {
    figure svg { min-width: 640px; }
    .charts-hint { display: block; }
    figure .wide { display: none; }
    figure .narrow { display: block; }
    figure .narrow svg { min-width: 0; }
  }
  table { border-collapse: collapse; background: #fff; font-size: 13px; }
  th, td { padding: 4px 10px; border-bottom: 1px solid #e5e7eb; text-align: left; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .warnings { color: #92400e; }
  .scroll { overflow-x: auto; }
  table.plans th { font-size: 11px; }
  /* the outlook's figures and signals on one line each: its table scrolls, its rows stay short */
  table.outlook td { white-space: nowrap; }
  /* A name is data (an organization's, a price book's plan): a long one is cut, whole on hover
     (and on focus, below), so the figures beside it stay on screen. */
  td.name > span { display: block; max-width: min(28ch, 34vw); overflow: hidden;
    text-overflow: ellipsis; white-space: nowrap; }
  /* an org_id (a UUID) tells alike names apart by its first characters; whole on hover or focus */
  td.id > span { display: block; max-width: 6ch; overflow: hidden; text-overflow: ellipsis;
    white-space: nowrap; font-family: monospace; }
  /* a cut one is a keyboard stop (the script marks it): focused (or tapped) its whole text wraps
     inside its column, so the row grows, not the table (a phone's screen keeps its width) */
  td[tabindex]:focus > span { white-space: normal; overflow-wrap: anywhere; }
  td[tabindex]:focus { outline: 2px solid #2563eb; outline-offset: -2px; }
  [hidden] { display: none !important; }
  /* read out, not shown (the report itself says what it is) */
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
    clip-path: inset(50%); white-space: nowrap; }
`;

export function pageHtml(options: PageOptions): string {
  const segmentOptions = options.segments.map((s) =>
    `<option value="${escapeHtml(s.name)}">${escapeHtml(s.title)}</option>`
  ).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pricing analytics · pricing-kit</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body data-auth="${options.authRequired ? "required" : "none"}">
<header>
  <h1>Pricing analytics${options.demo ? " <small>(demo data)</small>" : ""}</h1>
  <form id="tools" hidden autocomplete="off" novalidate>
    <label>Segment <select id="segment"><option value="">All organizations</option>${segmentOptions}</select></label>
    <label>Days <input id="days" type="number" min="1" max="3660" value="30" size="4"></label>
    <label>As of (UTC) <input id="as-of" type="date"></label>
    <button id="apply" type="submit">Show</button>
    <button id="export-csv" class="primary" type="button">⬇ Export to CSV</button>
    <button id="export-xlsx" class="primary" type="button">⬇ Export to XLSX</button>
    <button id="lock" type="button" hidden>Forget token</button>
  </form>
</header>
<main>
  <form id="unlock" hidden autocomplete="off">
    <label>Admin token <input id="token" type="password" size="40" autocomplete="off"></label>
    <button class="primary" type="submit">Unlock</button>
  </form>
  <p id="status" role="status"></p>
  <p id="shown" class="visually-hidden" role="status"></p>
  <ul id="exports" aria-label="Exports" aria-live="polite" hidden></ul>
  <div id="report"></div>
</main>
<script nonce="${options.nonce}">${SCRIPT}</script>
</body>
</html>
`;
}

/** Content-Security-Policy of the page: only its own nonce'd script runs; fetches go to itself. */
export function pageCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    // Plot's SVGs carry style attributes, which a nonce cannot cover (and a nonce would switch
    // 'unsafe-inline' off); styles cannot run code.
    "style-src 'unsafe-inline'",
    "connect-src 'self'",
    "img-src 'self' data: blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}
