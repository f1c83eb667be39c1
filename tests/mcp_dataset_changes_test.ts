/**
 * Exports changing under the MCP server (lib/mcp/dataset.ts): a manifest or brief landing late, an
 * unreadable newest export, the newest published again while it is read.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { runExport } from "../lib/export.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { parseCsv } from "../lib/formats/csv_parse.ts";
import { call, column, refused, text, type Values } from "./mcp_client.ts";
import { connect, writeDemo } from "./mcp_dataset_fixture.ts";

Deno.test("exports: a manifest or brief that lands after the CSV is picked up, and a changed one too", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_dataset_" });
  const held = await Deno.makeTempDir({ prefix: "mcp_dataset_held_" });
  try {
    await writeDemo(dir, "2026-11-01T00:00:00Z", ["csv"]);
    const stem = "helicone_pricing_data_2026-11-01_demo";
    // the CSV lands first; its manifest and brief are not there yet
    for (const ext of ["manifest.json", "md"]) {
      await Deno.rename(join(dir, `${stem}.${ext}`), join(held, `${stem}.${ext}`));
    }
    const { client, close } = await connect(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    const describe = async () => {
      const result = await call(client, "describe_dataset");
      assertEquals(result.isError, undefined, text(result));
      return result.structuredContent!;
    };
    const brief = async () =>
      ((await client.readResource({ uri: "pricing://brief" })).contents[0] as { text?: string })
        .text;
    const briefText = await Deno.readTextFile(join(held, `${stem}.md`));
    try {
      const before = await describe();
      ok((before.warnings as string[]).some((w) => w.startsWith("no manifest beside")));
      assertEquals((before.cost_model as Values).from, "settings");
      ok(await brief() !== briefText, "no brief file yet: one is written from the data");

      for (const ext of ["manifest.json", "md"]) {
        await Deno.rename(join(held, `${stem}.${ext}`), join(dir, `${stem}.${ext}`));
      }
      const after = await describe();
      assertEquals(
        (after.warnings as string[]).filter((w) => w.startsWith("no manifest beside")),
        [],
      );
      assertEquals((after.cost_model as Values).from, "manifest");
      assertEquals(await brief(), briefText);

      // a manifest rewritten in place (another warning) is read again too
      const manifestPath = join(dir, `${stem}.manifest.json`);
      const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
      manifest.warnings = [...manifest.warnings, "rewritten after the CSV"];
      await Deno.writeTextFile(manifestPath, JSON.stringify(manifest));
      ok(((await describe()).warnings as string[]).includes("rewritten after the CSV"));

      // a damaged manifest is named, not taken for a missing one nor read as far as it goes
      const damaged: [string, RegExp][] = [
        [JSON.stringify({ as_of: manifest.as_of }), /is damaged: it has no window; /],
        [
          JSON.stringify({ ...manifest, window: { ...manifest.window, start: "x" } }),
          /is damaged: window\.start or window\.end is not a date and time; /,
        ],
        [JSON.stringify(manifest).slice(0, 100), /is not JSON \(cut short\?\); /],
      ];
      for (const [bytes, problem] of damaged) {
        await Deno.writeTextFile(manifestPath, bytes);
        for (const tool of ["describe_dataset", "query_sql"]) {
          const result = await call(
            client,
            tool,
            tool === "query_sql" ? { sql: "SELECT count(*) AS n FROM orgs" } : {},
          );
          refused(result, problem);
          const line = text(result);
          ok(line.includes(`the manifest ${stem}.manifest.json `), line);
          ok(line.endsWith(`export again (deno task export), or move it out of ${dir}`), line);
        }
      }
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(held, { recursive: true });
  }
});

Deno.test("an unreadable newest export: every tool answers from the newest that reads and says so first; alone it is refused naming the file and the fix", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_dataset_unreadable_" });
  const stem = (date: string) => `helicone_pricing_data_${date}_demo`;
  const [oldStem, newStem] = [stem("2026-10-01"), stem("2026-11-01")];
  try {
    const old = await writeDemo(dir, "2026-10-01T00:00:00Z", ["csv"]);
    await writeDemo(dir, "2026-11-01T00:00:00Z", ["csv"]);
    const oldRows = old.data.frame.height;
    const newCsv = join(dir, `${newStem}.csv`);
    const newManifest = join(dir, `${newStem}.manifest.json`);
    const [csvBytes, manifestBytes] = [
      await Deno.readTextFile(newCsv),
      await Deno.readTextFile(newManifest),
    ];
    const fix = `export again (deno task export), or move it out of ${dir}`;
    const { client, close } = await connect(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    const note = (problem: string) =>
      `warning: not the newest export: this is from ${oldStem}.csv (as of ` +
      `2026-10-01T00:00:00.000Z, 30 days), the newest that can be read; the newest cannot be ` +
      `read: ${problem}`;
    const notNewest = (problem: string) => ({
      file: `${oldStem}.csv`,
      as_of: "2026-10-01T00:00:00.000Z",
      window_days: 30,
      unreadable: [{ file: `${newStem}.csv`, problem }],
      unreadable_total: 1,
    });
    const firstLine = (result: Awaited<ReturnType<typeof call>>) => {
      assertEquals(result.isError, undefined, text(result));
      return text(result).split("\n")[0];
    };
    try {
      // the CSV written empty: every tool and resource answers from 2026-10-01, saying so first
      await Deno.writeTextFile(newCsv, "");
      const empty = `${newCsv} is empty; not an export of this kit; ${fix}`;
      const described = await call(client, "describe_dataset");
      assertEquals(firstLine(described), note(empty));
      const d = described.structuredContent!;
      assertEquals([d.as_of, d.row_count], ["2026-10-01T00:00:00.000Z", oldRows]);
      assertEquals(d.not_newest, notNewest(empty));
      const counted = await call(client, "query_sql", {
        sql: "SELECT count(*) AS n FROM pricing_data",
      });
      assertEquals(firstLine(counted), note(empty));
      assertEquals(counted.structuredContent!.rows, [{ n: oldRows }]);
      assertEquals(counted.structuredContent!.not_newest, notNewest(empty));
      // the note's room is taken from the cap: a table cut to the smallest cap still fits with it
      const small = await connect(
        new DatasetStore(
          mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir, PRICING_MCP_MAX_BYTES: "8192" }),
        ),
      );
      try {
        const wide = await call(small.client, "query_sql", {
          sql: "SELECT org_id, org_name FROM pricing_data",
        });
        assertEquals(firstLine(wide), note(empty));
        ok(
          new TextEncoder().encode(text(wide)).length +
              new TextEncoder().encode(JSON.stringify(wide.structuredContent)).length <= 8192,
          "within PRICING_MCP_MAX_BYTES",
        );
        assertEquals(wide.structuredContent!.truncated, true);
      } finally {
        await small.close();
      }
      const orgId = column(old.data.frame, "org_id")[0] as string;
      const org = await call(client, "organization", { org: orgId });
      assertEquals(firstLine(org), note(empty));
      assertEquals((org.structuredContent!.row as Values).org_id, orgId);
      for (
        const [tool, args] of [
          ["key_question", { question: "underpriced" }],
          ["segment", { name: "negative_margin" }],
          ["run_scenario", { preset: "per_request" }],
          ["chart", { name: "margin_by_tier" }],
        ] as const
      ) {
        const result = await call(client, tool, args);
        assertEquals(firstLine(result), note(empty), tool);
        if (tool !== "chart") {
          assertEquals(result.structuredContent!.not_newest, notNewest(empty), tool);
        }
      }
      for (const uri of ["pricing://brief", "pricing://export.csv", "pricing://price-book"]) {
        const parts = (await client.readResource({ uri })).contents as {
          mimeType?: string;
          text?: string;
        }[];
        assertEquals([parts[0].mimeType, parts[0].text], ["text/plain", note(empty)], uri);
        // the rest is the 2026-10-01 export's: its CSV's first whole rows (cut to the byte cap)
        if (uri === "pricing://export.csv") {
          // (text cells escaped: each field read back as the JSON string it is the inside of)
          const oldRows = parseCsv(await Deno.readTextFile(join(dir, `${oldStem}.csv`)));
          const served = parseCsv(parts[1].text!)
            .map((row) => row.map((field) => JSON.parse(`"${field}"`)));
          ok(served.length > 1, uri);
          assertEquals(served, oldRows.slice(0, served.length), uri);
        }
      }
      // compare's default pair starts with the newest: refused, not replaced by another pair
      refused(
        await call(client, "compare_exports"),
        new RegExp(
          `^error: new defaults to the newest export, which cannot be read: ${
            escape(empty)
          }; or name old and new to compare two others ` +
            `\\(exports: ${newStem}\\.csv, ${oldStem}\\.csv\\)$`,
        ),
      );

      // the CSV cut in its fourth line, after its fifth field: the reader names the row (row 4,
      // counting the header as row 1)
      const lines = csvBytes.split("\n");
      await Deno.writeTextFile(
        newCsv,
        [...lines.slice(0, 3), lines[3].split(",").slice(0, 5).join(",")].join("\n"),
      );
      const cut = `${newCsv} row 4 has 5 fields, the header has ${
        lines[0].split(",").length
      }; ${fix}`;
      assertEquals(firstLine(await call(client, "describe_dataset")), note(cut));

      // the CSV whole again but its manifest cut short: the manifest is named
      await Deno.writeTextFile(newCsv, csvBytes);
      await Deno.writeTextFile(newManifest, manifestBytes.slice(0, 100));
      const manifestCut = `the manifest ${newStem}.manifest.json is not JSON (cut short?); ${fix}`;
      assertEquals(
        firstLine(await call(client, "query_sql", { sql: "SELECT 1 AS one" })),
        note(manifestCut),
      );

      // both unreadable: refused in one line naming the newest, its fix, and the older one
      const oldCsv = join(dir, `${oldStem}.csv`);
      const oldBytes = await Deno.readTextFile(oldCsv);
      await Deno.writeTextFile(oldCsv, "");
      for (const tool of ["describe_dataset", "organization"]) {
        const result = await call(client, tool, tool === "organization" ? { org: orgId } : {});
        assertEquals(
          [result.isError, text(result)],
          [
            true,
            `error: ${manifestCut} (the 1 older export there cannot be read either: ${oldStem}.csv)`,
          ],
        );
      }
      // alone: the newest's error, as it was
      await Deno.remove(oldCsv);
      refused(
        await call(client, "describe_dataset"),
        new RegExp(`^error: ${escape(manifestCut)}$`),
      );

      // mended: the newest is served again, with no warning
      await Deno.writeTextFile(oldCsv, oldBytes);
      await Deno.writeTextFile(newManifest, manifestBytes);
      const mended = await call(client, "describe_dataset");
      assertEquals(firstLine(mended).startsWith("pricing dataset: "), true, firstLine(mended));
      assertEquals(mended.structuredContent!.as_of, "2026-11-01T00:00:00.000Z");
      assertEquals(mended.structuredContent!.not_newest, undefined);
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** `text` as a literal in a RegExp. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

Deno.test("the newest export published again while the server reads it: read again, its file with its own manifest", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_dataset_" });
  try {
    await writeDemo(dir, "2026-11-01T00:00:00Z", ["csv"]);
    let reads = 0;
    const store = new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir }), {
      // another run publishes the same set (another as-of that day, an infrastructure cost) between
      // the server's read of the CSV and of its manifest
      afterFileRead: async () => {
        if (++reads > 1) return;
        await runExport({
          outDir: dir,
          demo: true,
          asOf: new Date("2026-11-01T06:00:00Z"),
          formats: ["csv"],
          charts: false,
          quiet: true,
          log: () => {},
          env: { PRICING_INFRA_USD_PER_1K_REQUESTS: "2" },
        });
      },
    });
    const dataset = await store.current();
    assertEquals(reads, 2, "read again once the set changed under the first read");
    assertEquals(dataset.asOf.toISOString(), "2026-11-01T06:00:00.000Z");
    assertEquals(dataset.costModel?.infra_usd_per_1k_requests, 2);
    const [cost, llm, requests] = ["company_cost_30d", "llm_cost_ptb_30d", "requests_30d"]
      .map((name) => dataset.frame.getColumn(name).toArray() as number[]);
    ok(requests.some((n) => n > 0));
    requests.forEach((n, i) => ok(Math.abs(cost[i] - (llm[i] + n / 1000 * 2)) < 1e-6, `row ${i}`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
