/**
 * The MCP server (lib/mcp/dataset.ts) and a newest export whose CSV is cut short (its manifest
 * records more): served as current before, it is skipped now, the newest whole one served with the
 * note docs/mcp.md promises. An export edited by hand with every row is served as the newest, and a
 * publish caught half-way (the new, smaller CSV in place before its manifest) is waited for.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { withPublishLock } from "../lib/formats/publish_lock.ts";
import { call, refused, text } from "./mcp_client.ts";
import { connect, writeDemo } from "./mcp_dataset_fixture.ts";
import {
  byteLength,
  csvLines,
  cutAtRowEnd,
  cutInsideLastField,
  lockWaitedOrSettled,
  manifestFor,
  placeFile,
} from "./export_cut_fixture.ts";

const stem = (date: string) => `helicone_pricing_data_${date}_demo`;
const [OLD, NEW] = [stem("2026-10-01"), stem("2026-11-01")];

/** Two demo exports (2026-10-01, 2026-11-01) and a client of a server on their folder. */
async function withExports(
  check: (where: {
    dir: string;
    client: Awaited<ReturnType<typeof connect>>["client"];
    newCsv: string;
    csv: string;
    oldRows: number;
    newRows: number;
  }) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "mcp_dataset_cut_" });
  try {
    const old = await writeDemo(dir, "2026-10-01T00:00:00Z", ["csv"]);
    const written = await writeDemo(dir, "2026-11-01T00:00:00Z", ["csv"]);
    const newCsv = join(dir, `${NEW}.csv`);
    const { client, close } = await connect(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      await check({
        dir,
        client,
        newCsv,
        csv: await Deno.readTextFile(newCsv),
        oldRows: old.data.frame.height,
        newRows: written.data.frame.height,
      });
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The first line every answer from the 2026-10-01 export starts with, the newest's problem in it. */
const note = (problem: string) =>
  `warning: not the newest export: this is from ${OLD}.csv (as of 2026-10-01T00:00:00.000Z, ` +
  `30 days), the newest that can be read; the newest cannot be read: ${problem}`;

Deno.test("MCP: a newest export CSV cut at a row end, or inside its last row's last field, is skipped: the newest whole one is served, saying so", async () => {
  await withExports(async ({ dir, client, newCsv, csv, oldRows, newRows }) => {
    const fix = "export again (deno task export) or restore the whole file";
    const outOf = `or move it out of ${dir}`;
    const atRowEnd = cutAtRowEnd(csv, 3);
    const inside = cutInsideLastField(csv);
    const cases: [string, string][] = [
      [
        atRowEnd,
        `${newCsv} is cut short: 3 of the ${newRows} rows and ${byteLength(atRowEnd)} of the ${
          byteLength(csv)
        } bytes its manifest ${NEW}.manifest.json records; ${fix} (rows removed on purpose: ` +
        `save it under another name); ${outOf}`,
      ],
      [
        inside.text,
        `${newCsv} is cut short: ${inside.rows} of the ${newRows} rows and ${
          byteLength(inside.text)
        } of the ${
          byteLength(csv)
        } bytes its manifest ${NEW}.manifest.json records, its last row without its line ` +
        `break; ${fix}; ${outOf}`,
      ],
    ];
    for (const [cut, problem] of cases) {
      await Deno.writeTextFile(newCsv, cut);
      const described = await call(client, "describe_dataset");
      assertEquals(described.isError, undefined, text(described));
      assertEquals(text(described).split("\n")[0], note(problem));
      const d = described.structuredContent!;
      assertEquals([d.as_of, d.row_count], ["2026-10-01T00:00:00.000Z", oldRows]);
      assertEquals(d.not_newest, {
        file: `${OLD}.csv`,
        as_of: "2026-10-01T00:00:00.000Z",
        window_days: 30,
        unreadable: [{ file: `${NEW}.csv`, problem }],
        unreadable_total: 1,
      });
      const counted = await call(client, "query_sql", {
        sql: "SELECT count(*) AS n FROM pricing_data",
      });
      assertEquals(counted.structuredContent!.rows, [{ n: oldRows }]);
      // compare's default pair starts with the newest: refused naming it, not another pair
      refused(
        await call(client, "compare_exports"),
        /^error: new defaults to the newest export, which cannot be read: .* is cut short: /,
      );
    }
    // whole again: served as the newest, no note
    await Deno.writeTextFile(newCsv, csv);
    const mended = await call(client, "describe_dataset");
    assertEquals(mended.structuredContent!.as_of, "2026-11-01T00:00:00.000Z");
    assertEquals(mended.structuredContent!.not_newest, undefined);
  });
});

Deno.test("MCP: a newest export edited by hand with every row (LF line ends, a name shortened) is served as the newest", async () => {
  await withExports(async ({ client, newCsv, csv, newRows }) => {
    const lines = csvLines(csv);
    const [firstId, firstName] = lines[1].split(",");
    const edited = [lines[0], lines[1].replace(`,${firstName},`, `,${firstName[0]},`)]
      .concat(lines.slice(2)).map((line) => `${line}\n`).join("");
    ok(byteLength(edited) < byteLength(csv));
    await Deno.writeTextFile(newCsv, edited);
    const described = await call(client, "describe_dataset");
    ok(text(described).startsWith("pricing dataset: "), text(described).split("\n")[0]);
    const d = described.structuredContent!;
    assertEquals([d.as_of, d.row_count, d.not_newest], [
      "2026-11-01T00:00:00.000Z",
      newRows,
      undefined,
    ]);
    const named = await call(client, "query_sql", {
      sql: `SELECT org_name FROM pricing_data WHERE org_id = '${firstId}'`,
    });
    assertEquals(named.structuredContent!.rows, [{ org_name: firstName[0] }]);
  });
});

Deno.test("MCP: the newest export published again while the server reads it, its smaller CSV in place before its manifest, is waited for and served whole, with no note", async () => {
  await withExports(async ({ dir, client, newCsv, csv }) => {
    const manifestPath = join(dir, `${NEW}.manifest.json`);
    const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
    // the run publishing again has 300 organizations: a smaller CSV, fewer rows than the old
    // manifest records
    const newer = cutAtRowEnd(csv, 300);
    let answer: ReturnType<typeof call> | undefined;
    await withPublishLock(dir, async () => {
      await placeFile(newCsv, newer);
      answer = call(client, "describe_dataset");
      answer.catch(() => {}); // (awaited below)
      await lockWaitedOrSettled(dir, answer);
      await placeFile(
        manifestPath,
        JSON.stringify(manifestFor(manifest, { csvName: `${NEW}.csv`, csv: newer }), null, 2),
      );
    }, { onWait: () => {} });
    const described = await answer!;
    ok(text(described).startsWith("pricing dataset: "), text(described).split("\n")[0]);
    const d = described.structuredContent!;
    assertEquals([d.as_of, d.row_count, d.not_newest], [
      "2026-11-01T00:00:00.000Z",
      300,
      undefined,
    ]);
  });
});
