/**
 * lib/server's downloads over real HTTP: a large export streamed in many chunks, one CSV
 * serialisation and one XLSX render per cached run shared by every download.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import ExcelJS from "exceljs";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";
import { parseCsv } from "../lib/formats/csv_parse.ts";
import { DEMO_ORGANIZATIONS } from "../lib/sources/demo.ts";
import { loadPricingData } from "../lib/export.ts";
import { SEGMENT_NAMES, segmentFrame } from "../lib/report/segments.ts";
import { csvChunks } from "../lib/formats/csv.ts";
import { writeXlsx } from "../lib/formats/xlsx.ts";
import { EXPORT, largeDemoLoader, serve, settings } from "./server_fixture.ts";

Deno.test("streaming: a large export arrives in many chunks, before it is all written", async (t) => {
  const times = 50; // 400 × 50 = 20,000 organizations
  let produced = 0;
  const server = serve({
    loader: largeDemoLoader(times),
    hooks: {
      csv: function* (frame) {
        for (const chunk of csvChunks(frame)) {
          produced++;
          yield chunk;
        }
      },
    },
  });
  try {
    await t.step("CSV of 20,000 organizations", async () => {
      const response = await server.get(EXPORT);
      assertEquals(response.status, 200);
      const reader = response.body!.getReader();
      const first = await reader.read();
      const producedAtFirstChunk = produced;
      let chunks = 1;
      let text = new TextDecoder().decode(first.value);
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        chunks++;
        text += new TextDecoder().decode(next.value);
      }
      // csvChunks yields the header then one chunk per 1,000 rows: 1 + 20 chunks.
      assertEquals(produced, 21);
      ok(producedAtFirstChunk < produced, `first bytes after ${producedAtFirstChunk} of 21 chunks`);
      ok(chunks > 1, `${chunks} chunks read`);
      const rows = parseCsv(text);
      assertEquals(rows.length, 1 + 400 * times);
      assertEquals(rows[0], [...COLUMN_NAMES]);
      const line = server.logs.filter((l) => l.includes(EXPORT)).at(-1)!;
      // logged when the body ended, with its size
      ok(
        new RegExp(` 200 \\d+ms cache=miss ${new TextEncoder().encode(text).length}B done$`).test(
          line,
        ),
        line,
      );
    });
  } finally {
    await server.close();
  }
  await t.step("XLSX of 2,000 organizations", async () => {
    const xlsx = serve({ loader: largeDemoLoader(5) });
    try {
      const response = await xlsx.get(`${EXPORT}?format=xlsx`);
      assertEquals(response.status, 200);
      let chunks = 0;
      const parts: Uint8Array[] = [];
      for await (const chunk of response.body!) {
        chunks++;
        parts.push(chunk);
      }
      ok(chunks > 1, `${chunks} chunks read`);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(await new Blob(parts as BlobPart[]).arrayBuffer());
      assertEquals(workbook.getWorksheet("pricing_data")!.rowCount, 1 + 400 * 5);
    } finally {
      await xlsx.close();
    }
  });
});

Deno.test("one CSV serialisation per cached run, shared by every download", async (t) => {
  let serialisations = 0;
  const server = serve({
    hooks: {
      csv: (frame) => {
        serialisations++;
        return csvChunks(frame);
      },
    },
  });
  try {
    await t.step("two downloads one after the other → one serialisation, same bytes", async () => {
      const first = await (await server.get(EXPORT)).text();
      const second = await server.get(EXPORT);
      assertEquals(second.headers.get("x-pricing-cache"), "hit");
      assertEquals(await second.text(), first);
      assertEquals(serialisations, 1);
      assertEquals(server.calls.length, 1);
    });
    await t.step("five at once, one cancelled half-way → still one, all whole", async () => {
      const cancelled = await server.get(EXPORT);
      const reader = cancelled.body!.getReader();
      await reader.read();
      await reader.cancel();
      const texts = await Promise.all(
        Array.from({ length: 4 }, async () => await (await server.get(EXPORT)).text()),
      );
      assertEquals(new Set(texts).size, 1);
      assertEquals(parseCsv(texts[0]).length, DEMO_ORGANIZATIONS + 1);
      assertEquals(serialisations, 1);
    });
    await t.step("a segment is its own serialisation, once", async () => {
      for (let i = 0; i < 2; i++) {
        const response = await server.get(`${EXPORT}?segment=${SEGMENT_NAMES[0]}`);
        assertEquals(response.status, 200);
        await response.arrayBuffer();
      }
      assertEquals(serialisations, 2);
    });
    await t.step("a new run (refresh) serialises its own data", async () => {
      await (await server.get(`${EXPORT}?refresh=1`)).arrayBuffer();
      assertEquals([serialisations, server.calls.length], [3, 2]);
    });
  } finally {
    await server.close();
  }
});

Deno.test("XLSX: one render per cached run, shared; renders capped by PRICING_SERVER_MAX_XLSX_RENDERS", async (t) => {
  let active = 0;
  let most = 0;
  let renders = 0;
  const server = serve({
    env: { PRICING_SERVER_MAX_XLSX_RENDERS: "1" },
    hooks: {
      xlsx: async (frame, out) => {
        renders++;
        most = Math.max(most, ++active);
        try {
          await writeXlsx(frame, out, { documentDate: new Date("2026-11-01T00:00:00Z") });
        } finally {
          active--;
        }
      },
    },
  });
  /** A download read to its end: the workbook's data rows. */
  const rowsOf = async (query: string) => {
    const response = await server.get(`${EXPORT}?format=xlsx${query}`);
    assertEquals(response.status, 200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    return workbook.getWorksheet("pricing_data")!.rowCount - 1;
  };
  try {
    await t.step("three downloads of one run at once → one render, three whole files", async () => {
      const rows = await Promise.all([1, 2, 3].map(() => rowsOf("")));
      assertEquals(rows, [DEMO_ORGANIZATIONS, DEMO_ORGANIZATIONS, DEMO_ORGANIZATIONS]);
      assertEquals(renders, 1);
    });
    await t.step("three segments at once → three renders, never two at a time", async () => {
      const segments = SEGMENT_NAMES.slice(0, 3);
      const rows = await Promise.all(segments.map((name) => rowsOf(`&segment=${name}`)));
      assertEquals(renders, 4);
      assertEquals(most, 1);
      // Each file holds its segment's organizations.
      const data = await loadPricingData(server.calls[0]);
      assertEquals(
        rows,
        segments.map((name) =>
          segmentFrame(data.frame, { name, thresholds: settings().segmentThresholds }).frame.height
        ),
      );
    });
  } finally {
    await server.close();
  }
});
