/**
 * The admin page's one inline script (lib/server/page.ts serves it under a CSP nonce): the token,
 * the report, and the spec's Export buttons (fetch + blob + dated filename), each export with its
 * own line saying its run's stage (the progress endpoint, polled), then its file or its error.
 * Text from the server goes in with textContent, never as HTML (only the report's server-rendered,
 * escaped HTML is inserted as HTML). The Export buttons' part is page_script_exports.ts.
 */
import { EXPORT_SCRIPT } from "./page_script_exports.ts";

export const SCRIPT = `
const KEY = "pricing-kit-admin-token";
const authRequired = document.body.dataset.auth === "required";
const $ = (id) => document.getElementById(id);
// time: the seconds a wait has taken, shown but not read out each second (nor the text again
// while it stays the same)
const status = (text, error = false, time = "") => {
  const line = $("status");
  line.className = error ? "error" : "";
  if (line.firstChild?.nodeType !== Node.TEXT_NODE || line.firstChild.data !== text) line.textContent = text;
  let shown = line.querySelector("span");
  if (!time) { shown?.remove(); return; }
  if (!shown) {
    shown = document.createElement("span");
    shown.setAttribute("aria-hidden", "true");
    line.append(shown);
  }
  shown.textContent = " · " + time;
};
const token = () => sessionStorage.getItem(KEY);
// A header carries printable ASCII only (! to ~), as does every token the server accepts: fetch
// would refuse any other before it left (a typed — or é), a dead end rather than a wrong token.
const sendable = (value) => /^[!-~]+$/.test(value);
const NOT_VALID = "the admin token is not valid: a token is printable ASCII with no spaces (no “—” or “é”); paste it again";
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
  exportButtons();
}

// The files being exported (format and report): an Export button is dimmed while the report on
// screen's file of its format is (pressed again it does nothing); another report's file can go
// meanwhile. Dimmed, not disabled: a disabled button would drop the keyboard focus to the page.
const exportingFiles = new Set();
function exportButtons() {
  for (const format of ["csv", "xlsx"]) {
    const button = $("export-" + format);
    button.disabled = shown === null;
    if (shown !== null && exportingFiles.has(format + "?" + shown)) button.setAttribute("aria-disabled", "true");
    else button.removeAttribute("aria-disabled");
  }
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

// the report's parameters, as the server's 400 names them: their fields and labels
const FIELDS = { days: ["days", "Days"], as_of: ["as-of", "As of"], segment: ["segment", "Segment"] };

function unreachable(error) {
  return "Cannot reach the server (" + error.message + "); check that it is running and try again";
}

// A name or org_id the tables cut with "…" (whole on hover: its title) is a keyboard stop while it
// is cut, and the style shows it whole on focus: whole for a keyboard (or a tap) too. What is cut
// depends on the screen's width, so it is marked again as that changes (the cell being read,
// shown whole now, once the focus leaves it).
function markCutCells() {
  for (const td of $("report").querySelectorAll("td.name, td.id")) {
    if (td === document.activeElement) continue;
    const span = td.firstElementChild;
    if (span && span.scrollWidth > span.clientWidth) td.tabIndex = 0;
    else td.removeAttribute("tabindex");
  }
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
  const loading = again ? "Fetching the report again" : "Loading the report";
  $("shown").textContent = "";
  status(loading + "…");
  const name = requestName();
  const started = performance.now();
  const stopWatching = watchProgress(name, (run) => {
    if (mine === latest) status(loading + ": " + runText(run), false, seconds(started));
  });
  let response;
  let html = null;
  try {
    response = await fetch("/v1/admin/pricing-analytics/report?" + url, {
      headers: { ...headers(), "X-Pricing-Progress": name },
      cache: "no-store",
      signal: controller.signal,
    });
    if (response.ok) html = await response.text();
  } catch (error) {
    stopWatching();
    if (mine !== latest) return; // a newer Show aborted this one
    inFlight = null;
    // no earlier report stays under controls that now ask for something else
    clearReport();
    if (authRequired && $("tools").hidden) locked(true); // (the token form, hidden while tried)
    status(unreachable(error), true);
    return;
  }
  stopWatching();
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
    if (mine !== latest) return;
    // a refused field (days=0, an as-of in the future) by its label, and the focus on it to fix
    const field = response.status === 400 && /^(days|as_of|segment) /.exec(text);
    if (field) {
      const [id, label] = FIELDS[field[1]];
      status(label + text.slice(field[1].length), true);
      $(id).focus();
    } else {
      status(text, true);
    }
    return;
  }
  locked(false);
  $("report").innerHTML = html;
  markCutCells();
  const pinned = new URLSearchParams(reportQuery);
  const asOf = $("report").querySelector(".report[data-as-of]")?.dataset.asOf;
  if (asOf) pinned.set("as_of", asOf);
  setShown(pinned.toString());
  requested = reportQuery;
  status("");
  // the status line empties as the report appears: a screen reader hears which report came
  $("shown").textContent = "Report shown: " + ($("report").querySelector(".report .window")?.textContent ?? "");
}

${EXPORT_SCRIPT}

$("unlock").addEventListener("submit", (event) => {
  event.preventDefault();
  const value = $("token").value.trim();
  if (!value) { status("Enter the admin token", true); return; }
  if (!sendable(value)) { status(NOT_VALID, true); return; }
  sessionStorage.setItem(KEY, value);
  $("token").value = "";
  // the token is being tried: no empty field asking for it again while a long run loads (a 401 or
  // 403 brings the form back, an answer the controls)
  $("unlock").hidden = true;
  loadReport();
});
$("lock").addEventListener("click", () => {
  sessionStorage.removeItem(KEY);
  latest++; // a report still on its way is not shown after the token is gone
  if (inFlight) inFlight.abort();
  for (const controller of exporting) controller.abort("Cancelled when the token was forgotten; nothing was saved");
  forgetFiles($("exports"));
  clearReport();
  locked(true);
  status("Token forgotten");
});
// The As of picker offers no day after today's date in UTC, as the server reads the as-of: ahead
// of UTC (Asia, the Pacific) today's local date is still in the future there and would be
// refused. Set again on focus and click, for a page left open past midnight UTC. A date typed
// past it is still sent (the form is novalidate): the server's refusal names it and now in UTC.
const utcToday = () => new Date(Date.now()).toISOString().slice(0, 10);
const asOfMax = () => { $("as-of").max = utcToday(); };
$("as-of").addEventListener("focus", asOfMax);
$("as-of").addEventListener("click", asOfMax);
asOfMax();
$("export-csv").addEventListener("click", () => exportFile("csv"));
$("export-xlsx").addEventListener("click", () => exportFile("xlsx"));
// the report's own button (its run could not read Stripe): the same report, past the cache
$("report").addEventListener("click", (event) => {
  if (event.target.closest("[data-action=fetch-again]")) loadReport(true);
});
window.addEventListener("resize", markCutCells);
$("report").addEventListener("focusout", markCutCells);
$("tools").addEventListener("submit", (event) => {
  event.preventDefault();
  loadReport();
});
setShown(null);

if (!authRequired || token()) loadReport(); else locked(true);
`;
