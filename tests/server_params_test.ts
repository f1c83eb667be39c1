/**
 * lib/server/params.ts on its own: refresh=0 keeps the result cache (only refresh=1 bypasses
 * it), and the access log's query keeps known parameters whose values have a parameter's shape,
 * writing any other value as … and counting unknown parameters (a token pasted into the URL is
 * never logged).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { loggableQuery, parseExportParams } from "../lib/server/params.ts";

const NOW = Date.parse("2026-11-15T00:00:00Z");

Deno.test("params: refresh=1 bypasses the cache; refresh=0 and none keep it", () => {
  const refresh = (query: string) =>
    parseExportParams(new URL(`http://h/export${query}`), { segmentNames: [], now: NOW }).refresh;
  assertEquals([refresh("?refresh=1"), refresh("?refresh=0"), refresh("")], [true, false, false]);
});

Deno.test("params: the access log writes a value of another shape as …, unknown parameters counted", () => {
  const token = "ab+cd/ef==0123456789abcdef0123456789";
  assertEquals(
    loggableQuery(
      new URL(
        `http://h/export?format=csv&segment=${encodeURIComponent("<script>")}&days=${
          encodeURIComponent(token)
        }&${encodeURIComponent(token)}=1`,
      ),
    ),
    "?format=csv&segment=…&days=…&(+1 unknown)",
  );
});
