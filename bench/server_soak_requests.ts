/**
 * The requests bench/server_soak.ts sends a running `deno task serve`: every kind the admin page
 * and an MCP client send, clients that leave mid-answer and malformed requests. Each kind is one
 * async function of the server's URL and token; what it gets back is not checked beyond reading
 * it (the tests check answers): the soak watches what the server holds over time.
 */
import { CHART_NAMES } from "../lib/mcp/tools_chart.ts";
import { QUESTION_NAMES } from "../lib/mcp/questions.ts";
import { SEGMENTS } from "../lib/report/segments.ts";
import { MCP_MAX_REQUEST_BYTES } from "../lib/mcp/request_body.ts";

export interface Target {
  url: string;
  token: string;
  /** a counter the kinds draw their variety from (days, segments, ids) */
  next: () => number;
}

export type Kind = (target: Target) => Promise<void>;

const API = "/v1/admin/pricing-analytics";
const SEGMENT_NAMES = SEGMENTS.map((s) => s.name);

const auth = (target: Target) => ({ authorization: `Bearer ${target.token}` });

/** GETs `path` with the token and reads the whole body. */
async function read(target: Target, path: string, init: RequestInit = {}): Promise<void> {
  const response = await fetch(target.url + path, {
    ...init,
    headers: { ...auth(target), ...init.headers },
  });
  await response.arrayBuffer();
}

/** Reads `bytes` of the answer to `path`, then drops the connection (the client goes away). */
async function leaveAfter(target: Target, path: string, bytes: number): Promise<void> {
  const stop = new AbortController();
  try {
    const response = await fetch(target.url + path, { headers: auth(target), signal: stop.signal });
    const reader = response.body?.getReader();
    let got = 0;
    while (reader && got < bytes) {
      const next = await reader.read();
      if (next.done) break;
      got += next.value.byteLength;
    }
    stop.abort();
  } catch { /* aborted */ }
}

/** Raw bytes over TCP, reading up to `readBytes` of the answer (0: none) before closing. */
async function raw(target: Target, text: string, readBytes: number): Promise<void> {
  const { hostname, port } = new URL(target.url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  try {
    await conn.write(new TextEncoder().encode(text));
    const buffer = new Uint8Array(4096);
    for (let got = 0; got < readBytes;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      got += n;
    }
  } catch {
    /* reset */
  } finally {
    conn.close();
  }
}

function days(target: Target): number {
  return [7, 30, 30, 30, 90][target.next() % 5];
}

function segment(target: Target): string {
  return SEGMENT_NAMES[target.next() % SEGMENT_NAMES.length];
}

/** The page's requests, and a browser's. */
export const PAGE_KINDS: Record<string, Kind> = {
  root: (t) => read(t, "/", { redirect: "manual" }),
  page: (t) => read(t, "/admin/pricing-analytics"),
  healthz: (t) => read(t, "/healthz"),
  report: (t) => read(t, `${API}/report?days=${days(t)}&segment=${segment(t)}`),
  summary: (t) => read(t, `${API}/summary?days=${days(t)}`),
  csv: (t) => read(t, `${API}/export?format=csv&days=${days(t)}&segment=${segment(t)}`),
  csvWhole: (t) => read(t, `${API}/export?format=csv&days=${days(t)}`),
  xlsx: (t) => read(t, `${API}/export?format=xlsx&days=${days(t)}&segment=${segment(t)}`),
  head: (t) => read(t, `${API}/export?format=xlsx&days=${days(t)}`, { method: "HEAD" }),
  // the page's Export: the report's own as-of instant, and a run of its own past the cache
  asOf: (t) => read(t, `${API}/export?days=${1 + (t.next() % 400)}&as_of=2026-11-01`),
  refresh: (t) => read(t, `${API}/summary?days=${days(t)}&refresh=1`),
  progress: async (t) => {
    const id = `soak-${t.next()}-${crypto.randomUUID()}`;
    const run = read(t, `${API}/report?days=${days(t)}`, { headers: { "x-pricing-progress": id } });
    await read(t, `${API}/progress?id=${id}`);
    await run;
  },
  leaveCsv: (t) => leaveAfter(t, `${API}/export?format=csv&days=${days(t)}`, 1),
  leaveXlsx: (t) => leaveAfter(t, `${API}/export?format=xlsx&days=${days(t)}`, 1),
  leaveBeforeAnswer: (t) =>
    raw(
      t,
      `GET ${API}/export?days=${days(t)}&refresh=1 HTTP/1.1\r\nhost: 127.0.0.1\r\n` +
        `authorization: Bearer ${t.token}\r\n\r\n`,
      0,
    ),
  halfRequest: (t) => raw(t, `GET ${API}/summary HTTP/1.1\r\nhost: 127.0`, 0),
  garbage: (t) => raw(t, "NOT HTTP AT ALL\r\n\r\n", 1),
  badParams: (t) => read(t, `${API}/export?days=0&format=pdf`),
  notFound: (t) => read(t, `/nowhere/${t.next()}`),
  wrongMethod: (t) => read(t, `${API}/export`, { method: "POST", body: "x" }),
  wrongToken: (t) =>
    read(t, `${API}/summary`, { headers: { authorization: "Bearer wrong-0123456789abcdef-0123" } }),
  noToken: async (t) => void await (await fetch(`${t.url}${API}/summary`)).arrayBuffer(),
};

const MCP_HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};

/** One JSON-RPC POST to /mcp, its answer read whole. */
async function mcp(target: Target, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${target.url}/mcp`, {
    method: "POST",
    headers: { ...MCP_HEADERS, ...auth(target), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response;
}

/** A session's initialize (never closed: the server is stateless); its Mcp-Session-Id. */
async function session(target: Target): Promise<string> {
  const response = await mcp(target, {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "soak", version: "1" },
    },
  });
  return response.headers.get("mcp-session-id") ?? "none";
}

function callTool(target: Target, name: string, args: Record<string, unknown>, meta = {}) {
  return {
    jsonrpc: "2.0",
    id: target.next(),
    method: "tools/call",
    params: { name, arguments: args, _meta: meta },
  };
}

/** Every tool's arguments, varied by the counter. */
function toolArguments(target: Target): [string, Record<string, unknown>][] {
  const n = target.next();
  return [
    ["describe_dataset", {}],
    ["query_sql", {
      sql: `SELECT tier, count(*) AS n, sum(mrr) + ${n} AS m FROM pricing_data GROUP BY tier`,
    }],
    ["query_sql", { sql: "SELECT as_of, sum(mrr) FROM history GROUP BY as_of" }],
    ["organization", { org: `org_${(n % 50) + 1}` }],
    ["key_question", { question: QUESTION_NAMES[n % QUESTION_NAMES.length] }],
    ["segment", { name: SEGMENT_NAMES[n % SEGMENT_NAMES.length], limit: 5 }],
    ["run_scenario", { preset: "current_seat_based" }],
    ["run_scenario", {
      scenario: {
        name: `flat_${n % 100}`,
        description: "everyone pays a flat price",
        addonPrices: {},
        plans: [{ name: "everyone", flatUsd: 10 + (n % 100), addonsIncluded: true }],
      },
    }],
    ["compare_exports", {}],
    ["chart", { name: CHART_NAMES[n % CHART_NAMES.length] }],
    ["mrr_history", { cohorts: n % 2 === 0 }],
  ];
}

/** An MCP client's requests: sessions left open, every tool, cancels, malformed bodies. */
export const MCP_KINDS: Record<string, Kind> = {
  initialize: async (t) => void await session(t),
  tools: async (t) => {
    const id = await session(t);
    for (const [name, args] of toolArguments(t)) {
      await mcp(t, callTool(t, name, args), { "mcp-session-id": id });
    }
  },
  toolWithProgress: async (t) => {
    const [name, args] = toolArguments(t)[t.next() % 11];
    await mcp(t, callTool(t, name, args, { progressToken: t.next() }));
  },
  listsAndResources: async (t) => {
    for (const method of ["tools/list", "resources/list", "prompts/list"]) {
      await mcp(t, { jsonrpc: "2.0", id: t.next(), method });
    }
    for (const uri of ["pricing://brief", "pricing://dictionary", "pricing://price-book"]) {
      await mcp(t, { jsonrpc: "2.0", id: t.next(), method: "resources/read", params: { uri } });
    }
  },
  cancelled: async (t) => {
    const id = await session(t);
    const call = callTool(t, "query_sql", { sql: "SELECT count(*) FROM history" });
    const answer = mcp(t, call, { "mcp-session-id": id });
    await mcp(t, {
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: call.id, reason: "soak" },
    }, { "mcp-session-id": id });
    await answer;
  },
  leaveMidStream: async (t) => {
    const stop = new AbortController();
    try {
      const response = await fetch(`${t.url}/mcp`, {
        method: "POST",
        headers: { ...MCP_HEADERS, ...auth(t) },
        body: JSON.stringify(callTool(t, "mrr_history", {}, { progressToken: 1 })),
        signal: stop.signal,
      });
      await response.body?.getReader().read();
    } catch { /* aborted */ }
    stop.abort();
  },
  leaveMidBody: (t) =>
    raw(
      t,
      `POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${t.token}\r\n` +
        `content-type: application/json\r\ncontent-length: 5000\r\n\r\n{"jsonrpc":"2.0",`,
      0,
    ),
  malformedJson: (t) => mcp(t, "{not json").then(() => {}),
  notJsonRpc: (t) => mcp(t, { hello: "world" }).then(() => {}),
  unknownTool: (t) => mcp(t, callTool(t, "no_such_tool", {})).then(() => {}),
  badArguments: (t) => mcp(t, callTool(t, "query_sql", { sql: 5 })).then(() => {}),
  tooLarge: (t) => mcp(t, "x".repeat(MCP_MAX_REQUEST_BYTES + 1)).then(() => {}),
  getMcp: async (t) => void await (await fetch(`${t.url}/mcp`, { headers: auth(t) })).arrayBuffer(),
  foreignOrigin: (t) =>
    mcp(t, { jsonrpc: "2.0", id: 1, method: "tools/list" }, { origin: "https://evil.example" })
      .then(() => {}),
};

/** run_export: writes a new export into the exports folder (slower: sent now and then). */
export const EXPORT_KIND: Kind = (t) =>
  mcp(t, callTool(t, "run_export", { days: t.next() % 2 === 0 ? 30 : 7 })).then(() => {});
