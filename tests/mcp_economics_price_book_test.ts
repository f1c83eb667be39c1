/**
 * The price book describe_dataset and pricing://price-book follow: PRICING_PRICE_BOOK (a renamed
 * and repriced copy of the shipped one, relative to the project), the book the served export's
 * manifest records (found again outside scenarios/); that file edited after the export (its
 * SHA-256 not the manifest's) is served with a warning.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { call, connectInMemory, ROOT, stdioClient, text, type Values } from "./mcp_client.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { demoExportWithBook, testPriceBook } from "./price_book_fixture.ts";
import { demoExport } from "./demo_export_fixture.ts";

const planOrder = async (file: string) =>
  (JSON.parse(await Deno.readTextFile(file)) as { plans: { name: string }[] }).plans.map((p) =>
    p.name
  );

Deno.test("describe_dataset from another working directory: a relative PRICING_PRICE_BOOK is the project's, an unreadable one a warning", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_price_book_cwd_" });
  try {
    await demoExport(dir);
    const shipped = await planOrder(join(ROOT, "scenarios/current_seat_based.json"));
    // Claude Desktop runs lib/mcp/main.ts by path from its own folder, with .env.example's setting
    for (
      const [setting, warned] of [
        ["scenarios/current_seat_based.json", false],
        ["scenarios/missing_book.json", true],
      ] as const
    ) {
      const { transport, client } = stdioClient(
        { PRICING_MCP_EXPORTS_DIR: dir, PRICING_PRICE_BOOK: setting },
        { cwd: dir },
      );
      await client.connect(transport);
      try {
        const result = await call(client, "describe_dataset");
        assertEquals(result.isError, undefined, text(result));
        const rows = (result.structuredContent!.per_plan as { rows: Values[] }).rows;
        // the export's own book (found among the shipped scenarios) orders the rows
        const plans = rows.map((r) => r.plan as string).filter((p) => p !== "all");
        assertEquals(plans, shipped.filter((p) => plans.includes(p)), setting);
        const warnings = (result.structuredContent!.warnings as string[]).filter((w) =>
          w.includes("PRICING_PRICE_BOOK")
        );
        assertEquals(warnings.length, warned ? 1 : 0, warnings.join("\n"));
        if (warned) {
          ok(
            warnings[0].startsWith(
              `price book of the settings not read: PRICING_PRICE_BOOK: ${ROOT}scenarios/missing_book.json does not exist`,
            ),
            warnings[0],
          );
        }
      } finally {
        await client.close();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pricing://price-book is the served export's book, else the settings' with a note that says so", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_price_book_resource_" });
  const read = async (env: Record<string, string>) => {
    const { client, close } = await connectInMemory(new DatasetStore(mcpSettings(env)));
    try {
      const resource = await client.readResource({ uri: "pricing://price-book" });
      const describe = await call(client, "describe_dataset");
      return {
        parts: resource.contents as { mimeType: string; text: string }[],
        warnings: describe.structuredContent!.warnings as string[],
        plans: (describe.structuredContent!.per_plan as { rows: Values[] }).rows.map((r) =>
          r.plan as string
        ),
      };
    } finally {
      await close();
    }
  };
  try {
    // made with the shipped per_request.json, served with the default settings: per_request's
    const exports = join(dir, "per_request");
    await Deno.mkdir(exports);
    await demoExportWithBook(exports, "scenarios/per_request.json");
    const perRequest = join(ROOT, "scenarios/per_request.json");
    const served = await read({ PRICING_MCP_EXPORTS_DIR: exports });
    assertEquals(served.parts.map((p) => p.mimeType), ["application/json"]);
    assertEquals(served.parts[0].text, await Deno.readTextFile(perRequest));
    const order = await planOrder(perRequest);
    const plans = served.plans.filter((p) => p !== "all");
    assertEquals(plans, order.filter((p) => plans.includes(p)));

    // made with a book that is gone since: the settings' book, said plainly in the resource
    const gone = join(dir, "gone");
    await Deno.mkdir(gone);
    const book = await testPriceBook(gone);
    await demoExportWithBook(gone, book.path);
    await Deno.remove(book.path);
    const fallback = await read({ PRICING_MCP_EXPORTS_DIR: gone });
    assertEquals(fallback.parts.map((p) => p.mimeType), ["application/json", "text/plain"]);
    assertEquals(
      fallback.parts[0].text,
      await Deno.readTextFile(join(ROOT, "scenarios/current_seat_based.json")),
    );
    assertEquals(
      fallback.parts[1].text,
      `This is the current settings' price book (current_seat_based.json), not the served export's: the export's plan and list_price_mrr columns came from "test_book.json" (its manifest's cost_model.price_book), which was not found in ${gone} or ${ROOT}scenarios; its prices may differ from these.`,
    );
    ok(
      fallback.warnings.some((w) =>
        w.startsWith(`the export's price book "test_book.json" (manifest cost_model.price_book)`)
      ),
      fallback.warnings.join("\n"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a price book outside scenarios/ is found again by the path the manifest records; the plan column names the book used", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_price_book_path_" });
  const exports = join(dir, "exports");
  await Deno.mkdir(exports);
  const books = join(dir, "books");
  await Deno.mkdir(books);
  const book = await testPriceBook(books);
  // the server's settings name no price book: only the manifest says where the export's is
  const read = async () => {
    const { client, close } = await connectInMemory(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: exports })),
    );
    try {
      const resource = await client.readResource({ uri: "pricing://price-book" });
      const describe = await call(client, "describe_dataset");
      assertEquals(describe.isError, undefined, text(describe));
      const s = describe.structuredContent!;
      return {
        parts: resource.contents as { mimeType: string; text: string }[],
        warnings: (s.warnings as string[]).filter((w) => w.includes("price book")),
        plans: (s.per_plan as { rows: Values[] }).rows.map((r) => r.plan as string),
        planDefinition: (s.columns as Values[]).find((c) => c.name === "plan")!.definition,
        text: text(describe),
      };
    } finally {
      await close();
    }
  };
  try {
    const written = await demoExportWithBook(exports, book.path);
    const model = JSON.parse(await Deno.readTextFile(written.manifestPath)).cost_model;
    assertEquals([model.price_book, model.price_book_path], ["test_book.json", book.path]);

    const found = await read();
    assertEquals(found.warnings, []);
    assertEquals(found.parts.map((p) => p.mimeType), ["application/json"]);
    assertEquals(found.parts[0].text, await Deno.readTextFile(book.path));
    // the test book orders the rows (its plans first, in its order)
    const present = book.names.filter((name) => found.plans.includes(name));
    ok(present.length >= 3, `test-book plans: ${found.plans}`);
    assertEquals(found.plans.slice(0, present.length), present);
    assertEquals(
      found.planDefinition,
      `first price-book plan matching tier / tier_raw (${JSON.stringify(book.path)})`,
    );
    ok(found.text.includes(`- plan | string | text | ${found.planDefinition}:`), "the text too");

    // moved away since: the settings' book, said in one line, and the plan column names it
    await Deno.rename(book.path, join(dir, "moved.json"));
    const gone = await read();
    const shipped = join(ROOT, "scenarios/current_seat_based.json");
    assertEquals(gone.warnings, [
      `the export's price book "test_book.json" (manifest cost_model.price_book) was not found in ${books} or ${ROOT}scenarios: the price book used is the current settings' current_seat_based.json, not the one the export's plan and list_price_mrr came from`,
    ]);
    assertEquals(
      gone.planDefinition,
      `first price-book plan matching tier / tier_raw (${
        JSON.stringify(shipped)
      }, not the export's price book: see warnings)`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a price book edited since the export (same name, its SHA-256 not the manifest's) is served as today's file with a warning; unchanged or unrecorded, as the export's", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_price_book_changed_" });
  const exports = join(dir, "exports");
  await Deno.mkdir(exports);
  const book = await testPriceBook(dir);
  const env = { PRICING_MCP_EXPORTS_DIR: exports, PRICING_PRICE_BOOK: book.path };
  const read = async () => {
    const { client, close } = await connectInMemory(new DatasetStore(mcpSettings(env)));
    try {
      const resource = await client.readResource({ uri: "pricing://price-book" });
      const describe = await call(client, "describe_dataset");
      assertEquals(describe.isError, undefined, text(describe));
      return {
        parts: resource.contents as { mimeType: string; text: string }[],
        model: describe.structuredContent!.cost_model as Values,
        warnings: describe.structuredContent!.warnings as string[],
        text: text(describe),
      };
    } finally {
      await close();
    }
  };
  const sha256 = async (path: string) =>
    createHash("sha256").update(await Deno.readFile(path)).digest("hex");
  const aboutBook = (warnings: string[]) => warnings.filter((w) => w.includes("test_book.json"));
  try {
    const written = await demoExportWithBook(exports, book.path);
    const exported = await sha256(book.path);
    const manifestText = await Deno.readTextFile(written.manifestPath);
    assertEquals(JSON.parse(manifestText).cost_model.price_book_sha256, exported);

    // unchanged: the export's book, no note, no warning
    const unchanged = await read();
    assertEquals(unchanged.model.price_book_sha256, exported);
    assertEquals(unchanged.parts.map((p) => p.mimeType), ["application/json"]);
    assertEquals(aboutBook(unchanged.warnings), []);

    // the same file repriced after the export: today's prices, said to be not the export's
    const repriced = (await Deno.readTextFile(book.path)).replace(
      '"perSeatUsd": 25',
      '"perSeatUsd": 30',
    );
    ok(repriced.includes('"perSeatUsd": 30'), "the test book is repriced");
    await Deno.writeTextFile(book.path, repriced);
    const edited = await read();
    assertEquals(edited.model.price_book_sha256, exported, "the manifest's, not today's");
    assertEquals(edited.parts.map((p) => p.mimeType), ["application/json", "text/plain"]);
    assertEquals(edited.parts[0].text, repriced);
    assertEquals(
      edited.parts[1].text,
      `This is today's "test_book.json", not the version the served export was made with: the file has changed since (its SHA-256 is not its manifest's cost_model.price_book_sha256), so the export's plan and list_price_mrr columns came from an earlier version of it; its prices may differ from these.`,
    );
    const warning =
      `the export's price book "test_book.json" has changed since the export (its SHA-256 is not the manifest's cost_model.price_book_sha256): the export's plan and list_price_mrr came from an earlier version of "test_book.json"; the price book used is today's file ${book.path}, whose prices may differ`;
    assertEquals(aboutBook(edited.warnings), [warning]);
    // (the text quotes each warning as a literal: it may quote data)
    ok(edited.text.includes("has changed since the export"), "the text's warnings say so too");

    // an older manifest, without the hash: the file of that name, as before
    const older = JSON.parse(manifestText);
    delete older.cost_model.price_book_sha256;
    await Deno.writeTextFile(written.manifestPath, JSON.stringify(older, null, 2) + "\n");
    const unrecorded = await read();
    assertEquals(unrecorded.model.price_book_sha256, null);
    assertEquals(unrecorded.parts.map((p) => p.mimeType), ["application/json"]);
    assertEquals(aboutBook(unrecorded.warnings), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
