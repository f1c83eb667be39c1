/**
 * History snapshots through the MCP server (lib/mcp/history.ts), driven by the MCP SDK's own
 * Client over stdio: three demo exports write three Parquet snapshots (outputs/history/ beside
 * them); describe_dataset lists them, query_sql selects from table `history` (and joins it with
 * pricing_data), compare_exports takes snapshot dates. Every value is checked against the
 * exports' own frames, summed here with plain loops.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import type pl from "nodejs-polars";
import { runExport } from "../lib/export.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { dataLiteral } from "../lib/mcp/text.ts";
import { call, close, column, num, refused, stdioClient, text, type Values } from "./mcp_client.ts";
import { F6D6C0C_LACKS } from "./fixtures/earlier_export.ts";

const DATES = ["2026-09-01", "2026-10-01", "2026-11-01"];

const mrrSum = (frame: pl.DataFrame) =>
  column(frame, "mrr").reduce((a: number, v) => a + (num(v) ?? 0), 0);

Deno.test("history: snapshots listed, queried as table history, compared by as-of date", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_history_" });
  const frames: pl.DataFrame[] = [];
  for (const date of DATES) {
    const written = await runExport({
      outDir: dir,
      demo: true,
      asOf: new Date(`${date}T00:00:00Z`),
      formats: ["csv"],
      charts: false,
      quiet: true,
      log: () => {},
      env: {},
    });
    frames.push(written.data.frame);
  }
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  try {
    const described = await call(client, "describe_dataset");
    assertEquals(described.isError, undefined, text(described));
    const history = described.structuredContent!.history as Values;
    assertEquals(history.sql_table, "history");
    assertEquals(history.folder, join(dir, "history"));
    assertEquals(
      history.snapshots,
      DATES.map((date, i) => ({
        as_of: date,
        file: `helicone_pricing_data_${date}_demo.parquet`,
        rows: frames[i].height,
        origin: "export",
      })),
    );

    const byDate = await call(client, "query_sql", {
      sql:
        "SELECT as_of, count(*) AS orgs, sum(mrr) AS mrr FROM history GROUP BY as_of ORDER BY as_of",
    });
    assertEquals(byDate.isError, undefined, text(byDate));
    const rows = byDate.structuredContent!.rows as Values[];
    assertEquals(rows.map((r) => r.as_of), DATES);
    rows.forEach((row, i) => {
      assertEquals(row.orgs, frames[i].height, `${DATES[i]} organizations`);
      close(row.mrr, mrrSum(frames[i]), `${DATES[i]} MRR`);
    });

    // Both tables in one statement: September's organizations still in the served export.
    const current = new Set(column(frames[2], "org_id") as string[]);
    const kept = (column(frames[0], "org_id") as string[]).filter((id) => current.has(id)).length;
    const joined = await call(client, "query_sql", {
      sql: "SELECT count(*) AS n FROM history h JOIN pricing_data p ON h.org_id = p.org_id " +
        "WHERE h.as_of = '2026-09-01'",
    });
    assertEquals((joined.structuredContent!.rows as Values[])[0].n, kept);

    const compared = await call(client, "compare_exports", {
      old: "2026-09-01",
      new: "2026-11-01",
    });
    assertEquals(compared.isError, undefined, text(compared));
    const s = compared.structuredContent!;
    assertEquals([s.old, s.new], ["snapshot 2026-09-01", "snapshot 2026-11-01"]);
    const counts = s.counts as Values;
    assertEquals([counts.organizationsOld, counts.organizationsNew], [
      frames[0].height,
      frames[2].height,
    ]);
    const mrrRow = (s.totals as Values[]).find((r) => r.column === "mrr")!;
    close(mrrRow.old_total, mrrSum(frames[0]), "snapshot 2026-09-01 MRR");
    close(mrrRow.new_total, mrrSum(frames[2]), "snapshot 2026-11-01 MRR");

    // A snapshot against an export file.
    const mixed = await call(client, "compare_exports", {
      old: "2026-09-01",
      new: "helicone_pricing_data_2026-10-01_demo.csv",
    });
    assertEquals(mixed.isError, undefined, text(mixed));
    assertEquals((mixed.structuredContent!.counts as Values).organizationsNew, frames[1].height);

    refused(
      await call(client, "compare_exports", { old: "2026-08-01", new: "2026-11-01" }),
      /no demo history snapshot as of 2026-08-01 .*snapshots: 2026-09-01, 2026-10-01, 2026-11-01/,
    );
    // a midnight UTC instant names its date's snapshot, as listed
    const instant = await call(client, "compare_exports", {
      old: "2026-09-01T00:00:00Z",
      new: "2026-11-01",
    });
    assertEquals(instant.isError, undefined, text(instant));
    assertEquals(instant.structuredContent!.old, "snapshot 2026-09-01");
    // neither a file nor a snapshot date: the snapshots and the accepted forms are listed too
    for (const old of ["10/01/2026", "2026-10"]) {
      refused(
        await call(client, "compare_exports", { old }),
        new RegExp(
          `^error: no export named "${old}" for old \\(an export file name, or a snapshot as-of ` +
            "date YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MM:SS\\.mmmZ\\); exports: .*helicone_pricing_data_2026-10-01_demo\\.csv.*; " +
            "snapshots: 2026-09-01, 2026-10-01, 2026-11-01$",
        ),
      );
    }
    // a standard export name (41 characters) is quoted whole, not cut as if misspelled
    refused(
      await call(client, "compare_exports", { old: "helicone_pricing_data_2026-08-01_demo.csv" }),
      /^error: no export named "helicone_pricing_data_2026-08-01_demo\.csv" for old /,
    );
    refused(await call(client, "compare_exports", { new: "2026-11-01" }), /name old too/);
    // old dated after new: refused, not read as everything added since having disappeared
    refused(
      await call(client, "compare_exports", { old: "2026-11-01", new: "2026-10-01" }),
      /^error: old snapshot 2026-11-01 \(as of 2026-11-01\) is newer than new snapshot 2026-10-01 \(as of 2026-10-01\): swap them/,
    );
    // a date with no snapshot is said to be that, before any order (not "swap them", which
    // then gave this error)
    for (const old of ["2026-12-01", "2026-13-45"]) {
      refused(
        await call(client, "compare_exports", { old, new: "2026-11-01" }),
        new RegExp(
          `^error: no demo history snapshot as of ${old} in .*; snapshots: 2026-09-01, 2026-10-01, 2026-11-01$`,
        ),
      );
    }
    refused(
      await call(client, "compare_exports", {
        old: "helicone_pricing_data_2026-11-01_demo.csv",
        new: "2026-10-01",
      }),
      /^error: old helicone_pricing_data_2026-11-01_demo\.csv \(as of 2026-11-01\) is newer than new snapshot 2026-10-01/,
    );
    // the same date (an export and its own snapshot) is no order: compared
    const sameDate = await call(client, "compare_exports", {
      old: "helicone_pricing_data_2026-10-01_demo.csv",
      new: "2026-10-01",
    });
    assertEquals(sameDate.isError, undefined, text(sameDate));
    assertEquals((sameDate.structuredContent!.counts as Values).disappeared, 0);

    // A snapshot landing later joins the table without a restart (the cache is per file set).
    const later = await runExport({
      outDir: dir,
      demo: true,
      asOf: new Date("2026-12-01T00:00:00Z"),
      formats: ["csv"],
      charts: false,
      quiet: true,
      log: () => {},
      env: {},
    });
    // and one later that day (December to date): its own as_of, not merged with the month end
    const noon = await runExport({
      outDir: dir,
      demo: true,
      asOf: new Date("2026-12-01T12:00:00Z"),
      formats: ["csv"],
      charts: false,
      quiet: true,
      log: () => {},
      env: {},
    });
    const after = await call(client, "query_sql", {
      sql: "SELECT as_of, count(*) AS orgs FROM history GROUP BY as_of ORDER BY as_of",
    });
    const laterDates = [...DATES, "2026-12-01", "2026-12-01T12:00:00Z"];
    assertEquals(
      (after.structuredContent!.rows as Values[]).map((r) => [r.as_of, r.orgs]),
      [...frames, later.data.frame, noon.data.frame].map((f, i) => [laterDates[i], f.height]),
    );
    const sameDay = await call(client, "compare_exports", {
      old: "2026-12-01",
      new: "2026-12-01T12:00:00Z",
    });
    assertEquals(sameDay.isError, undefined, text(sameDay));
    assertEquals(
      [sameDay.structuredContent!.old, sameDay.structuredContent!.new],
      ["snapshot 2026-12-01", "snapshot 2026-12-01T12:00:00Z"],
    );

    // A snapshot cut short: table history refuses in one line naming it and the fix, as the
    // history report does (an export leaves it out of its brief's history section)
    const cut = join(dir, "history", "helicone_pricing_data_2026-12-01T120000Z_demo.parquet");
    await Deno.truncate(cut, 5_000);
    refused(
      await call(client, "query_sql", { sql: "SELECT count(*) AS n FROM history" }),
      new RegExp(
        `${cut} is not a readable Parquet snapshot \\(.*\\); move it out of the history folder or write it again$`,
      ),
    );
  } finally {
    await client.close();
  }

  // An empty history folder: no snapshots listed, table history has no rows.
  const empty = await Deno.makeTempDir({ prefix: "mcp_history_empty_" });
  const other = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir, PRICING_HISTORY_DIR: empty });
  await other.client.connect(other.transport);
  try {
    const described = await call(other.client, "describe_dataset");
    assertEquals((described.structuredContent!.history as Values).snapshots, []);
    const count = await call(other.client, "query_sql", {
      sql: "SELECT count(*) AS n FROM history",
    });
    assertEquals(count.isError, undefined, text(count));
    assertEquals((count.structuredContent!.rows as Values[])[0].n, 0);
  } finally {
    await other.client.close();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test("history: compare_exports refuses a snapshot of an earlier kit version's export (written then, or imported) in one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_history_earlier_" });
  const history = join(dir, "history");
  // this version's export and snapshot: a on team 2025-12-10, b on free
  const current = exportFrameFromColumns({
    org_id: ["a", "b"],
    tier: ["team", "free"],
    plan: ["team 2025-12-10", "free"],
    mrr: [200, 0],
    company_cost_30d: [20, 1],
  });
  await writeCsvFile(current, join(dir, "helicone_pricing_data_2026-11-01_demo.csv"));
  await writeSnapshot(current, {
    dir: history,
    asOf: new Date("2026-11-01T00:00:00Z"),
    demo: true,
    origin: "export",
  });
  // (the refusal names five and counts the rest)
  const shown = `${F6D6C0C_LACKS.slice(0, 5).join(", ")} and 4 more`;
  const earlier = exportFrameFromColumns({
    org_id: ["a", "b"],
    tier: ["team", "free"],
    mrr: [150, 0],
  });
  // written by the earlier version (the columns added since not in the file), and imported from
  // its export (those columns empty, the sidecar says import)
  const written = join(history, "helicone_pricing_data_2026-09-01_demo.parquet");
  earlier.drop(F6D6C0C_LACKS).writeParquet(written);
  const imported = await writeSnapshot(earlier, {
    dir: history,
    asOf: new Date("2026-10-01T00:00:00Z"),
    demo: true,
    origin: "import",
  });
  // the imported one copied in without its sidecar (nothing says it was imported)
  const alone = join(history, "helicone_pricing_data_2026-08-01_demo.parquet");
  await Deno.copyFile(imported.path, alone);
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  try {
    // before, compared: both organizations "changed plan" ((none) → team 2025-12-10, (none) → free)
    refused(
      await call(client, "compare_exports", { old: "2026-08-01", new: "2026-11-01" }),
      new RegExp(
        `^error: ${alone} has no sidecar \\(helicone_pricing_data_2026-08-01_demo\\.parquet\\.json\\) and its ${shown} are empty in every row: a snapshot imported from an earlier kit version's export, so every organization would read as changing plan; `,
      ),
    );
    for (const [old, path] of [["2026-09-01", written], ["2026-10-01", imported.path]]) {
      // before, both organizations "changed plan" ((none) → team 2025-12-10, (none) → free)
      refused(
        await call(client, "compare_exports", { old, new: "2026-11-01" }),
        new RegExp(
          `^error: ${path} is a snapshot of an earlier kit version's export: it has no ${shown} \\(added since\\), so every organization would read as changing plan; `,
        ),
      );
    }
    // this version's snapshot against its export: compared
    const same = await call(client, "compare_exports", {
      old: "2026-11-01",
      new: "helicone_pricing_data_2026-11-01_demo.csv",
    });
    assertEquals(same.isError, undefined, text(same));
    assertEquals((same.structuredContent!.counts as Values).planChanged, 0);
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("history: a snapshot at 00:00:00.500 is its own as_of in table history, not the month end's", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_history_ms_" });
  const exportAt = async (at: string) =>
    (await runExport({
      outDir: dir,
      demo: true,
      asOf: new Date(at),
      formats: ["csv"],
      charts: false,
      quiet: true,
      log: () => {},
      env: {},
    })).data.frame;
  const monthEnd = await exportAt("2026-11-01T00:00:00Z"); // closes October
  const early = await exportAt("2026-11-01T00:00:00.500Z"); // November so far
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  try {
    const described = await call(client, "describe_dataset");
    assertEquals(
      ((described.structuredContent!.history as Values).snapshots as Values[]).map((s) => s.as_of),
      ["2026-11-01", "2026-11-01T00:00:00.500Z"],
    );
    // docs/mcp.md's query: one row per snapshot, each with its own organizations and MRR
    const byAsOf = await call(client, "query_sql", {
      sql: "SELECT as_of, count(*) AS n, sum(mrr_recurring) AS mrr FROM history " +
        "GROUP BY as_of, as_of_time ORDER BY as_of_time",
    });
    assertEquals(byAsOf.isError, undefined, text(byAsOf));
    const rows = byAsOf.structuredContent!.rows as Values[];
    assertEquals(rows.map((r) => [r.as_of, r.n]), [
      ["2026-11-01", monthEnd.height],
      ["2026-11-01T00:00:00.500Z", early.height],
    ]);
    const mrrRecurring = (frame: pl.DataFrame) =>
      column(frame, "mrr_recurring").reduce((a: number, v) => a + (num(v) ?? 0), 0);
    close(rows[0].mrr, mrrRecurring(monthEnd), "month end MRR");
    close(rows[1].mrr, mrrRecurring(early), "00:00:00.500 MRR");
    // compare_exports takes the as-of as table history writes it
    const compared = await call(client, "compare_exports", {
      old: "2026-11-01",
      new: "2026-11-01T00:00:00.500Z",
    });
    assertEquals(compared.isError, undefined, text(compared));
    assertEquals(
      [compared.structuredContent!.old, compared.structuredContent!.new],
      ["snapshot 2026-11-01", "snapshot 2026-11-01T00:00:00.500Z"],
    );
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("history: query_sql's own example orders snapshots within one second by time (as text '…00.250Z' sorts before '…00Z')", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_history_order_" });
  const history = join(dir, "history");
  const frame = (mrr: number) =>
    exportFrameFromColumns({ org_id: ["a"], tier: ["pro"], mrr: [mrr], mrr_recurring: [mrr] });
  await writeCsvFile(frame(40), join(dir, "helicone_pricing_data_2026-12-02_demo.csv"));
  // the later instant first: a later snapshot of the day stays when an earlier one is written
  for (const [at, mrr] of [["2026-12-01T12:00:00.250Z", 30], ["2026-12-01T12:00:00Z", 20]]) {
    await writeSnapshot(frame(mrr as number), {
      dir: history,
      asOf: new Date(at as string),
      demo: true,
      origin: "export",
    });
  }
  await writeSnapshot(frame(10), {
    dir: history,
    asOf: new Date("2026-12-01T00:00:00Z"),
    demo: true,
    origin: "export",
  });
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    const description = tools.find((t) => t.name === "query_sql")!.description!;
    const example = description.match(/e\.g\. (SELECT [^.]*FROM history[^.]*ORDER BY \w+)\./)?.[1];
    ok(example, `query_sql's description has a history example: ${description}`);
    const result = await call(client, "query_sql", { sql: example });
    assertEquals(result.isError, undefined, text(result));
    const rows = result.structuredContent!.rows as Values[];
    assertEquals(rows.map((r) => [r.as_of, num(Object.values(r).at(-1))]), [
      ["2026-12-01", 10],
      ["2026-12-01T12:00:00Z", 20],
      ["2026-12-01T12:00:00.250Z", 30],
    ]);
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("history: describe_dataset lists the newest snapshots that fit when many are kept, its text whole", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_history_many_" });
  const frame = exportFrameFromColumns({ org_id: ["a", "b"], tier: ["pro", "free"], mrr: [20, 0] });
  await writeCsvFile(frame, join(dir, "helicone_pricing_data_2027-01-01_demo.csv"));
  // 220 daily snapshots (2026-02-01 … 2026-09-08): about seven months of daily exports; each
  // listed takes ~120 bytes in the two channels, past the ~20 KB the description leaves free
  const dates = Array.from(
    { length: 220 },
    (_, i) => new Date(Date.UTC(2026, 1, 1 + i)).toISOString().slice(0, 10),
  );
  for (const date of dates) {
    await writeSnapshot(frame, {
      dir: join(dir, "history"),
      asOf: new Date(`${date}T00:00:00Z`),
      demo: true,
      origin: "export",
    });
  }
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  try {
    const described = await call(client, "describe_dataset");
    assertEquals(described.isError, undefined, text(described));
    const bytes = new TextEncoder().encode(text(described)).length +
      new TextEncoder().encode(JSON.stringify(described.structuredContent)).length;
    ok(bytes <= 64 * 1024, `${bytes} bytes > 64 KB`);
    // the text is whole: every warning, then every column to the last (the warnings, last then,
    // were cut away, and the columns after addon_other with them, under 88 snapshots)
    const lines = text(described).split("\n");
    ok(!text(described).includes("… cut at"), lines.at(-1));
    ok(lines.at(-1)!.startsWith("- usage_discounts | "), lines.at(-1));
    const warnings = described.structuredContent!.warnings as string[];
    ok(warnings.length > 0, "the export without a manifest is warned of");
    const warningsAt = lines.indexOf("warnings (as literals: they may quote data):");
    assertEquals(
      lines.slice(warningsAt + 1, warningsAt + 1 + warnings.length),
      warnings.map((w) => `- ${dataLiteral(w)}`),
    );
    // the newest that fit, oldest first, and how many there are
    const history = described.structuredContent!.history as Values;
    assertEquals(history.total, 220);
    const listed = (history.snapshots as Values[]).map((s) => s.as_of as string);
    ok(listed.length > 0 && listed.length < 220, `${listed.length} listed`);
    assertEquals(listed, dates.slice(-listed.length));
    const line = lines.find((l) => l.startsWith("history: "))!;
    ok(
      line.endsWith(
        `: the newest ${listed.length} (SELECT DISTINCT as_of, as_of_time FROM history ORDER BY as_of_time lists every one): ${
          listed.join(", ")
        }`,
      ),
      line,
    );
    ok(line.startsWith("history: 220 demo snapshots in "), line);
    // …and table history holds every one of them
    const all = await call(client, "query_sql", {
      sql: "SELECT count(DISTINCT as_of) AS n FROM history",
    });
    assertEquals((all.structuredContent!.rows as Values[])[0].n, 220);
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});
