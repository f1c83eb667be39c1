/**
 * The admin page's one inline script (lib/server/page.ts serves it under a CSP nonce): the token,
 * the report, and the spec's Export buttons (fetch + blob + dated filename), each export with its
 * own line saying its run's stage (the progress endpoint, polled), then its file or its error.
 * Text from the server goes in with textContent, never as HTML (only the report's server-rendered,
 * escaped HTML is inserted as HTML).
 */
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
  const pinned = new URLSearchParams(reportQuery);
  const asOf = $("report").querySelector(".report[data-as-of]")?.dataset.asOf;
  if (asOf) pinned.set("as_of", asOf);
  setShown(pinned.toString());
  requested = reportQuery;
  status("");
  // the status line empties as the report appears: a screen reader hears which report came
  $("shown").textContent = "Report shown: " + ($("report").querySelector(".report .window")?.textContent ?? "");
}

function filenameFrom(disposition, format) {
  const match = /filename="([^"]+)"/.exec(disposition || "");
  return match ? match[1] : "helicone_pricing_data_" + new Date().toISOString().split("T")[0] + "." + format;
}

function size(bytes) {
  if (bytes < 1000) return bytes + " B";
  if (bytes < 1e6) return (bytes / 1e3).toFixed(1) + " kB";
  if (bytes < 1e9) return (bytes / 1e6).toFixed(1) + " MB";
  return (bytes / 1e9).toFixed(2) + " GB";
}

// an instant as the report's heading gives it: 2026-11-02 09:30 UTC (seconds when not :00)
function utcTime(value) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const iso = date.toISOString();
  const seconds = iso.slice(17, 19);
  return iso.slice(0, 16).replace("T", " ") + (seconds === "00" ? "" : ":" + seconds) + " UTC";
}

function seconds(started) {
  return Math.floor((performance.now() - started) / 1000) + " s";
}

// A name for one request (X-Pricing-Progress), so the server can say how far its own run is: two
// exports at once each show theirs. (crypto.randomUUID needs https; the page may be plain http.)
function requestName() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

// What the run a request waits on is doing: its stage and, once known, its organizations. No run:
// the request has not reached it yet, or its run was cached and the server is at work on the rest
// (an export's file: an XLSX of 100,000 organizations takes seconds before its first byte).
function runText(run, noRun = "waiting for the server") {
  if (!run) return noRun;
  let text = run.label + (run.step ? " (step " + run.step + " of " + run.steps + ")" : "");
  if (run.organizations !== null) text += ", " + run.organizations.toLocaleString("en-US") + " organizations";
  return text;
}

// Asks the server how far the request named \`name\` is until the function returned is called.
const PROGRESS_EVERY_MS = 500;
function watchProgress(name, show) {
  let watching = true;
  let timer;
  const tick = async () => {
    try {
      const response = await fetch("/v1/admin/pricing-analytics/progress?id=" + name, { headers: headers(), cache: "no-store" });
      const run = response.ok ? (await response.json()).run : undefined;
      if (run !== undefined && watching) show(run); // (not once stopped meanwhile)
    } catch {} // (the request itself says when the server cannot be reached)
    if (watching) timer = setTimeout(tick, PROGRESS_EVERY_MS);
  };
  timer = setTimeout(tick, PROGRESS_EVERY_MS);
  return () => { watching = false; clearTimeout(timer); };
}

// Each export has its own line under the status: what it exports, then its stage while it runs,
// then the file it saved (name, size, organizations) or its one-line error. The newest first;
// finished lines beyond the few newest go.
const FINISHED_KEPT = 4;
function exportLine(format, params) {
  const item = document.createElement("li");
  item.dataset.format = format;
  const what = document.createElement("strong");
  const segment = params.get("segment");
  const asOf = params.get("as_of"); // (the report's, pinned)
  // (the date kept on one line on a phone)
  const date = document.createElement("span");
  date.className = "date";
  date.textContent = asOf ? utcTime(asOf) : "now";
  what.append(format.toUpperCase() + " of " + (segment ? "segment " + segment : "all organizations") +
    ", " + (params.get("days") || "30") + " days to ", date, ": ");
  const text = document.createElement("span");
  text.className = "text";
  const time = document.createElement("span");
  time.className = "time";
  time.setAttribute("aria-hidden", "true"); // ticks every second: not read out each time
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.textContent = "Cancel";
  cancel.setAttribute("aria-label", "Cancel the " + format.toUpperCase() + " export");
  item.append(what, text, time, cancel);
  $("exports").prepend(item);
  $("exports").hidden = false;
  const started = performance.now();
  return {
    cancel,
    // line: read out when it changes (a stage); more: shown only, as the seconds (bytes so far)
    running(line, more = "") {
      item.dataset.state = "running";
      if (text.textContent !== line) text.textContent = line;
      time.textContent = more + " · " + seconds(started);
    },
    // saved: the file's name in the line becomes a link to its bytes, to save it again (a browser
    // may block a download that starts without a click, as a second one does)
    finished(state, line, saved = null) {
      item.dataset.state = state;
      item.className = state === "failed" ? "error" : "";
      text.textContent = line;
      if (saved) {
        const at = line.indexOf(saved.file);
        const link = document.createElement("a");
        link.href = saved.url;
        link.download = saved.file;
        link.title = "Save this file again";
        link.textContent = saved.file;
        text.replaceChildren(line.slice(0, at), link, line.slice(at + saved.file.length));
      }
      time.textContent = "";
      // the focus on Cancel goes back to the button that started the export, not to the page
      if (document.activeElement === cancel) $("export-" + format).focus();
      cancel.remove();
      const done = [...$("exports").children].filter((li) => li.dataset.state !== "running");
      for (const old of done.slice(FINISHED_KEPT)) {
        forgetFiles(old);
        old.remove();
      }
    },
  };
}

// A saved file's link holds its bytes in the page until its line goes (or the token is forgotten):
// then its name stays as text and the bytes are let go.
function forgetFiles(within) {
  for (const link of within.querySelectorAll("a[download]")) {
    URL.revokeObjectURL(link.href);
    link.replaceWith(link.textContent);
  }
}

// the exports under way: Forget token stops them (nothing more comes down once the page is locked)
const exporting = new Set();
const CANCELLED = "Cancelled; nothing was saved";

async function exportFile(format) {
  const exported = format + "?" + shown;
  if (shown === null || exportingFiles.has(exported) || unusableToken()) return;
  const params = new URLSearchParams(shown);
  params.set("format", format);
  exportingFiles.add(exported);
  exportButtons();
  const line = exportLine(format, params);
  const controller = new AbortController();
  line.cancel.addEventListener("click", () => controller.abort(CANCELLED));
  exporting.add(controller);
  const name = requestName();
  let run = null;
  const making = "the server is making the file";
  line.running(runText(run, making));
  const stopWatching = watchProgress(name, (latestRun) => { run = latestRun; line.running(runText(run, making)); });
  try {
    let response;
    try {
      // past the browser's cache: Chromium holds a request for a URL another tab is fetching
      // (its cache lock) until that one's answer comes, up to 20 s, before it even sends it
      response = await fetch("/v1/admin/pricing-analytics/export?" + params, {
        headers: { ...headers(), "X-Pricing-Progress": name },
        cache: "no-store",
        signal: controller.signal,
      });
    } catch (error) {
      if (controller.signal.aborted) { line.finished("cancelled", controller.signal.reason); return; }
      line.finished("failed", unreachable(error)); // nothing was started, so nothing half-saved
      return;
    } finally {
      stopWatching();
    }
    if (!response.ok) {
      if (response.status === 401 || response.status === 403) { sessionStorage.removeItem(KEY); clearReport(); locked(true); }
      line.finished("failed", await errorText(response));
      return;
    }
    const file = filenameFrom(response.headers.get("Content-Disposition"), format);
    // read here rather than with blob(), to show how much has come; a stream that broke off
    // rejects: no partial file is saved
    const reader = response.body.getReader();
    const chunks = [];
    let received = 0;
    const tick = setInterval(() => line.running("writing " + file, ", " + size(received) + " so far"), 1000);
    line.running("writing " + file);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        received += value.byteLength;
      }
    } finally {
      clearInterval(tick);
    }
    const url = URL.createObjectURL(new Blob(chunks, { type: response.headers.get("Content-Type") || "" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = file;
    document.body.append(a);
    a.click();
    a.remove();
    const rows = response.headers.get("X-Pricing-Rows");
    // a miss: the report's run had left the server's cache, so it was run again for its as-of
    line.finished("done", "Downloaded " + file + " (" + size(received) +
      (rows ? ", " + Number(rows).toLocaleString("en-US") + " organizations" : "") + ")" +
      (response.headers.get("X-Pricing-Cache") === "miss"
        ? "; run again for the report's as-of: the report's own run had left the server's cache"
        : ""), { file, url });
  } catch (error) {
    if (controller.signal.aborted) line.finished("cancelled", controller.signal.reason);
    else line.finished("failed", "The export failed before it was complete; nothing was saved (" + error.message + ")");
  } finally {
    exporting.delete(controller);
    exportingFiles.delete(exported);
    exportButtons();
  }
}

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
$("tools").addEventListener("submit", (event) => {
  event.preventDefault();
  loadReport();
});
setShown(null);

if (!authRequired || token()) loadReport(); else locked(true);
`;
