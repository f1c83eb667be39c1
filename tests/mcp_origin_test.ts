/**
 * lib/mcp/http.ts isLoopbackOrigin: the Origins /mcp takes without PRICING_MCP_ALLOWED_ORIGINS
 * are pages served from this machine, by host name as a whole; a name that only starts like a
 * loopback address (DNS rebinding's 127.0.0.1.evil.example) is not one.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { isLoopbackOrigin } from "../lib/mcp/http.ts";

Deno.test("isLoopbackOrigin: localhost, 127.x.x.x and [::1] over http(s), any port; nothing that only starts like them", () => {
  const loopback = [
    "http://localhost:3000",
    "https://127.0.0.1",
    "http://127.12.0.9:8080",
    "http://[::1]:5173",
  ];
  const other = [
    "http://127.0.0.1.evil.example",
    "http://127.0.0.1.nip.io:8080",
    "http://localhost.evil.example",
    "http://evil.example",
    "file:///tmp/page.html",
    "null",
  ];
  assertEquals(loopback.map(isLoopbackOrigin), [true, true, true, true]);
  assertEquals(other.map(isLoopbackOrigin), [false, false, false, false, false, false]);
});
