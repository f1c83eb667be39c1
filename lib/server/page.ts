/**
 * The admin page (`GET /admin/pricing-analytics`): plain HTML and one small inline script, no
 * build step. The shell holds no data, so it is public; the report (numbers, charts, the
 * underpriced table) is rendered on the server by the token-protected
 * `/v1/admin/pricing-analytics/report` and inserted once the token is accepted. The token lives in
 * sessionStorage (gone when the tab closes) and travels only in the Authorization header.
 */
import { escapeHtml } from "../report/html_text.ts";

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
  #status { min-height: 1.4em; color: #4b5563; }
  #status.error { color: #b91c1c; }
  .banner { background: #fef3c7; border: 1px solid #f59e0b; padding: 6px 10px; border-radius: 6px; }
  .revenue-missing p { margin: 4px 0; }
  .stats { display: flex; gap: 12px; flex-wrap: wrap; margin: 12px 0; }
  .stat { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 16px; min-width: 170px; }
  .stat .label { font-size: 12px; color: #6b7280; }
  .stat .value { font-size: 24px; font-weight: 600; }
  .stat .note { font-size: 11px; color: #6b7280; }
  #tools { display: flex; gap: 8px; flex-wrap: wrap; align-items: end; }
  /* a chart column never wider than the screen (a phone is narrower than 520 px) */
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 520px), 1fr)); gap: 12px; }
  figure { margin: 0; background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px;
    overflow-x: auto; }
  figure svg { display: block; width: 100%; height: auto; }
  .charts-hint { display: none; }
  /* On a phone an 880-unit chart shrunk to the screen has 4 px text: it keeps 640 px (text ~8.5 px,
     pinch to zoom further) and its figure scrolls sideways. */
  @media (max-width: 680px) {
    figure svg { min-width: 640px; }
    .charts-hint { display: block; }
  }
  table { border-collapse: collapse; background: #fff; font-size: 13px; }
  th, td { padding: 4px 10px; border-bottom: 1px solid #e5e7eb; text-align: left; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .warnings { color: #92400e; }
  .scroll { overflow-x: auto; }
  table.plans th { font-size: 11px; }
  /* A name is data (an organization's, a price book's plan): a long one is cut, whole on hover,
     so the figures beside it stay on screen. */
  td.name > span { display: block; max-width: min(28ch, 40vw); overflow: hidden;
    text-overflow: ellipsis; white-space: nowrap; }
  [hidden] { display: none !important; }
`;

/** Browser side: token, report, and the spec's Export buttons (fetch + blob + dated filename). */
const SCRIPT = `
const KEY = "pricing-kit-admin-token";
const authRequired = document.body.dataset.auth === "required";
const $ = (id) => document.getElementById(id);
const status = (text, error = false) => { $("status").textContent = text; $("status").className = error ? "error" : ""; };
const token = () => sessionStorage.getItem(KEY);
// A header carries printable ASCII only (! to ~), as does every token the server accepts: fetch
// would refuse any other before it left (a typed — or é), a dead end rather than a wrong token.
const sendable = (value) => /^[!-~]+$/.test(value);
const NOT_VALID = "the admin token is not valid";
const headers = () => authRequired ? { Authorization: "Bearer " + token() } : {};

// A number or date field holding what it cannot read (Days "7e", an As of without its year) has
// the value "": left out of the query, it would show 30 days or now under the field that says
// otherwise.
function unreadableControl() {
  if ($("days").validity.badInput) {
    return { control: $("days"), text: "Days is not a number: type a whole number from 1 to 3660" };
  }
  if ($("as-of").validity.badInput) {
    return { control: $("as-of"), text: "As of is not a whole date: finish it (month, day and year) or clear it to show up to now" };
  }
  return null;
}

function query(extra) {
  const params = new URLSearchParams(extra);
  if ($("segment").value) params.set("segment", $("segment").value);
  if ($("days").value && $("days").value !== "30") params.set("days", $("days").value);
  if ($("as-of").value) params.set("as_of", $("as-of").value);
  return params.toString();
}

async function errorText(response) {
  try { return (await response.json()).message; } catch { return response.status + " " + response.statusText; }
}

function locked(isLocked) {
  const focusLost = !document.activeElement || document.activeElement === document.body ||
    $("unlock").contains(document.activeElement);
  $("unlock").hidden = !isLocked;
  $("tools").hidden = isLocked;
  $("lock").hidden = isLocked || !authRequired;
  // the form that held the focus is hidden now: hand it to the controls that replace it
  if (isLocked) $("token").focus(); else if (focusLost) $("segment").focus();
}

// Each Show is numbered and aborts the one before: only the latest request's answer is shown.
let latest = 0;
let inFlight = null;
// The query of the report on screen, its as-of pinned to the instant the report's run was pinned
// to: Export downloads exactly that run (or that instant again), whatever the controls say now and
// however long the page has been open.
let shown = null;
// The query the report on screen was asked with (as-of not pinned): Fetch again asks it anew.
let requested = null;

function setShown(shownQuery) {
  shown = shownQuery;
  $("export-csv").disabled = $("export-xlsx").disabled = shown === null;
}

function clearReport() {
  $("report").innerHTML = "";
  setShown(null);
  requested = null;
}

// A token no header can carry (kept by an earlier page): dropped, and the token asked for again.
function unusableToken() {
  if (!authRequired || sendable(token() || "")) return false;
  sessionStorage.removeItem(KEY);
  clearReport();
  locked(true);
  status(NOT_VALID, true);
  return true;
}

function unreachable(error) {
  return "Cannot reach the server (" + error.message + "); check that it is running and try again";
}

// again: the report on screen asked anew past the server's cache (refresh=1), as when its run
// could not read Stripe; otherwise the report the controls ask for.
async function loadReport(again = false) {
  const mine = ++latest;
  if (inFlight) inFlight.abort();
  if (unusableToken()) return;
  const unreadable = again ? null : unreadableControl();
  if (unreadable) {
    inFlight = null;
    clearReport(); // as after a refused request: no report under controls that say otherwise
    status(unreadable.text, true);
    unreadable.control.focus();
    return;
  }
  const controller = new AbortController();
  inFlight = controller;
  const reportQuery = again && requested !== null ? requested : query({});
  const url = new URLSearchParams(reportQuery);
  if (again) url.set("refresh", "1");
  status(again ? "Fetching the report again…" : "Loading the report…");
  let response;
  let html = null;
  try {
    response = await fetch("/v1/admin/pricing-analytics/report?" + url, { headers: headers(), signal: controller.signal });
    if (response.ok) html = await response.text();
  } catch (error) {
    if (mine !== latest) return; // a newer Show aborted this one
    inFlight = null;
    // no earlier report stays under controls that now ask for something else
    clearReport();
    status(unreachable(error), true);
    return;
  }
  if (mine !== latest) return;
  inFlight = null;
  // a failed request leaves no earlier report under the controls that now say something else
  if (!response.ok) clearReport();
  if (response.status === 401 || response.status === 403) {
    sessionStorage.removeItem(KEY);
    locked(true);
    const text = await errorText(response);
    if (mine === latest) status(text, true);
    return;
  }
  if (!response.ok) {
    locked(false);
    const text = await errorText(response);
    if (mine === latest) status(text, true);
    return;
  }
  locked(false);
  $("report").innerHTML = html;
  const pinned = new URLSearchParams(reportQuery);
  const asOf = $("report").querySelector(".report[data-as-of]")?.dataset.asOf;
  if (asOf) pinned.set("as_of", asOf);
  setShown(pinned.toString());
  requested = reportQuery;
  status("");
}

function filenameFrom(disposition, format) {
  const match = /filename="([^"]+)"/.exec(disposition || "");
  return match ? match[1] : "helicone_pricing_data_" + new Date().toISOString().split("T")[0] + "." + format;
}

async function exportFile(format, button) {
  if (shown === null || button.getAttribute("aria-disabled") === "true" || unusableToken()) return;
  const params = new URLSearchParams(shown);
  params.set("format", format);
  button.setAttribute("aria-disabled", "true");
  status("Exporting " + format.toUpperCase() + "…");
  let response;
  try {
    response = await fetch("/v1/admin/pricing-analytics/export?" + params, { headers: headers() });
  } catch (error) {
    status(unreachable(error), true); // nothing was started, so nothing half-saved to speak of
    button.removeAttribute("aria-disabled");
    button.disabled = shown === null;
    return;
  }
  try {
    if (!response.ok) {
      if (response.status === 401 || response.status === 403) { sessionStorage.removeItem(KEY); clearReport(); locked(true); }
      status(await errorText(response), true);
      return;
    }
    const name = filenameFrom(response.headers.get("Content-Disposition"), format);
    const blob = await response.blob(); // rejects if the stream broke off: no partial file is saved
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    // a miss: the report's run had left the server's cache, so it was run again for its as-of
    status("Downloaded " + name + (response.headers.get("X-Pricing-Cache") === "miss"
      ? " (run again for the report's as-of: the report's own run had left the server's cache)"
      : ""));
  } catch (error) {
    status("The export failed before it was complete; nothing was saved (" + error.message + ")", true);
  } finally {
    button.removeAttribute("aria-disabled");
    button.disabled = shown === null;
  }
}

$("unlock").addEventListener("submit", (event) => {
  event.preventDefault();
  const value = $("token").value.trim();
  if (!value) { status("Enter the admin token", true); return; }
  if (!sendable(value)) { status(NOT_VALID, true); return; }
  sessionStorage.setItem(KEY, value);
  $("token").value = "";
  loadReport();
});
$("lock").addEventListener("click", () => {
  sessionStorage.removeItem(KEY);
  latest++; // a report still on its way is not shown after the token is gone
  if (inFlight) inFlight.abort();
  clearReport();
  locked(true);
  status("Token forgotten");
});
$("export-csv").addEventListener("click", (e) => exportFile("csv", e.currentTarget));
$("export-xlsx").addEventListener("click", (e) => exportFile("xlsx", e.currentTarget));
// the report's own button (its run could not read Stripe): the same report, past the cache
$("report").addEventListener("click", (event) => {
  if (event.target.closest("[data-action=fetch-again]")) loadReport(true);
});
$("tools").addEventListener("submit", (event) => {
  event.preventDefault();
  loadReport();
});
setShown(null);

if (!authRequired || token()) loadReport(); else locked(true);
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
