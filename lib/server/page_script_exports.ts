/**
 * The admin page's Export buttons (page_script.ts puts this into the page's one inline script):
 * fetch + blob + dated filename, each export with its own line saying its run's stage (the
 * progress endpoint, polled), then its file or its error, and Cancel. Apart from the token and
 * report half of the script because the exports' lines are their own state (several at once, each
 * with its run); they use that half's helpers (status, query, headers, locked), as one script.
 */
export const EXPORT_SCRIPT = `function filenameFrom(disposition, format) {
  const match = /filename="([^"]+)"/.exec(disposition || "");
  return match ? match[1] : "helicone_pricing_data_" + new Date().toISOString().split("T")[0] + "." + format;
}

// a file's size as deno task export's log and the brief give it (formatBytes, lib/report/numbers.ts:
// of 1024), so the same bytes read the same on the page and in the terminal
function size(bytes) {
  return bytes < 1024 * 1024 ? (bytes / 1024).toFixed(1) + " KB" : (bytes / 1024 / 1024).toFixed(1) + " MB";
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
}`;
