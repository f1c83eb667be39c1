/**
 * The live export on production-shaped awkward rows (tests/fixtures/postgres_edge_cases.sql and
 * clickhouse_edge_cases.sql): organizations without members or only former ones, members of
 * several organizations, deleted, too new, odd-case demo and unknown tiers, usage without an
 * organization, a shared and a blank-padded Stripe customer id, hostile names, costs past UInt64,
 * the window's edges and a million requests in a day. One export with charts through PostgreSQL 15,
 * ClickHouse 18.16 and the fake Stripe API; its files read back as their readers read them (the CSV
 * by Python's csv module, the XLSX by openpyxl, the brief by markdown-it as the kit renders it, the
 * PNGs inflated), every value computed by hand from the fixture rows.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import MarkdownIt from "markdown-it";
import { runExport } from "../lib/export.ts";
import { activeSubscription, fakeStripeEnv, monthlyPrice, startFakeStripe } from "./fake_stripe.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";

const asOf = new Date("2026-11-01T00:00:00Z"); // window [2026-10-02T00:00:00Z, 2026-11-01T00:00:00Z)
const org = (n: number) => `e0000000-0000-4000-8000-0000000000${String(n).padStart(2, "0")}`;

/** Exported, newest first: N21 (a millisecond before the as-of) … N1; not N5, N6, N17, N22. */
const ORDER = [21, 20, 19, 18, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 4, 3, 2, 1].map(org);

/** UInt64's largest cost twice, in USD: 2 × 18,446,744,073,709,551,615 nano-USD. */
const PAST_UINT64_USD = 36893488147.41910323;

/** Python: the CSV by the csv module, every sheet by openpyxl (value and type), every PNG inflated. */
const READ_BACK = String.raw`
import csv, datetime, json, glob, struct, sys, zlib, openpyxl
stem = sys.argv[1]
with open(stem + ".csv", newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
def cell(c):
    v = c.value
    kind = type(v).__name__
    if isinstance(v, datetime.datetime): v = v.isoformat()
    return [c.data_type, kind, v]
wb = openpyxl.load_workbook(stem + ".xlsx")
sheets = {ws.title: [[cell(c) for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}
pngs = {}
for path in sorted(glob.glob(sys.argv[2] + "/*.png")):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat, width, height, depth, kind = 8, b"", 0, 0, 0, 0
    while pos < len(data):
        size, name = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + size]
        if name == b"IHDR": width, height, depth, kind = struct.unpack(">IIBB", body[:10])
        if name == b"IDAT": idat += body
        pos += 12 + size
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[kind]
    pixels = zlib.decompress(idat)
    pngs[path.split("/")[-1]] = [width, height, len(pixels) == height * (1 + width * channels * depth // 8)]
print(json.dumps({"csv": rows, "sheets": sheets, "pngs": pngs}))
`;

interface ReadBack {
  csv: Record<string, string>[];
  /** per sheet, rows of cells: [openpyxl data_type, Python type, value] */
  sheets: Record<string, [string, string, unknown][][]>;
  /** per PNG file: width, height, whether its pixel data inflated to width × height */
  pngs: Record<string, [number, number, boolean]>;
}

async function readBack(stem: string, dir: string): Promise<ReadBack> {
  const output = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", READ_BACK, stem, dir],
    stdout: "piped",
    stderr: "piped",
  }).output();
  ok(output.success, new TextDecoder().decode(output.stderr));
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

Deno.test("production-shaped edge cases through the whole export: CSV, XLSX, brief, charts, manifest", async (t) => {
  const databases = await freshFixtureDatabases("edge_cases", {
    postgres: ["postgres_schema.sql", "postgres_edge_cases.sql"],
    clickhouse: ["clickhouse_schema.sql", "clickhouse_edge_cases.sql"],
  });
  const fake = startFakeStripe({
    subscriptions: [
      activeSubscription("cus_dup", monthlyPrice("pro-20251210", 7900)),
      activeSubscription("cus_edges", monthlyPrice("pro-20240913", 2000)),
      activeSubscription("cus_solo", monthlyPrice("pro-20240913", 2000)),
    ],
    products: [
      { id: "prod_pro-20251210", name: "pro-20251210", metadata: {} },
      { id: "prod_pro-20240913", name: "pro-20240913", metadata: {} },
    ],
    invoices: [],
  });
  const outDir = await Deno.makeTempDir();
  try {
    const result = await runExport({
      asOf,
      outDir,
      demo: false,
      stripe: "refresh",
      charts: true,
      quiet: true,
      log: () => {},
      env: {
        ...databases.env,
        ...fakeStripeEnv(fake),
        PRICING_INFRA_USD_PER_1K_REQUESTS: "0.05",
      },
    });
    const stem = `${outDir}/helicone_pricing_data_2026-11-01`;
    const read = await readBack(stem, outDir);
    const rows = new Map(read.csv.map((r) => [r.org_id, r]));
    const row = (n: number) => rows.get(org(n))!;
    const pick = (n: number, columns: string[]) =>
      Object.fromEntries(columns.map((c) => [c, row(n)[c]]));
    const manifest = JSON.parse(await Deno.readTextFile(result.manifestPath));

    await t.step(
      "deleted, created at the as-of or after, odd-case demo: not exported; order newest first",
      () => {
        assertEquals(read.csv.map((r) => r.org_id), ORDER);
        assertEquals(manifest.row_count, 18);
        assertEquals(row(21).created_at, "2026-10-31T23:59:59.999Z"); // a millisecond before: in
      },
    );

    await t.step(
      "usage of a deleted organization and of one PostgreSQL lacks: counted in a warning",
      () => {
        // N5 (deleted) one BYOK request $0.70; e0…99 two PTB requests $0.10 + $0.20
        ok(
          manifest.warnings.includes(
            "2 organizations have requests in the window but are not exported (deleted, demo tier, or unknown to PostgreSQL): 3 requests and $1.00 of LLM cost in the window, $0.30 of it pass-through billed (the company pays it), in no total, plan or margin here",
          ),
          manifest.warnings.join("\n"),
        );
        // usage rows: N3, N4, N5, N8, N18, N19, N20, e0…99 (N6's request is after the as-of)
        const queryRows = Object.fromEntries(
          manifest.queries.map((q: { name: string; rows: number }) => [q.name, q.rows]),
        );
        assertEquals(queryRows, {
          organizations: 18,
          prompts_created: 0,
          ptb_spend: 2,
          usage_30d: 8,
        });
      },
    );

    await t.step(
      "no members, only former or later members, members of two organizations: seats and active users",
      () => {
        const seats = (
          n: number,
        ) => [row(n).seats, row(n).active_users_30d, row(n).seat_utilization_pct];
        assertEquals(seats(1), ["0", "0", ""]); // no members: no utilization, no cost per seat
        assertEquals(row(1).cost_per_seat, "");
        // N2: the stale owner and a member whose auth.users row is gone; the active user joined after the as-of
        assertEquals(seats(2), ["2", "0", "0"]);
        // the active user (signed in 2026-10-20) counts in both N3 and N4; N4's other member signed in after the as-of
        assertEquals(seats(3), ["2", "1", "50"]);
        assertEquals(seats(4), ["2", "1", "50"]);
        // N21: joined a millisecond before the as-of counts, joined at it does not
        assertEquals(seats(21), ["1", "0", "0"]);
      },
    );

    await t.step(
      "names as entered in the CSV (Python's csv module), formula starts guarded, empty name empty",
      () => {
        assertEquals(row(3).org_name, 'Tab\there, "quoted", comma\nnewline');
        assertEquals(row(4).org_name, " Team-20250130 spaced ");
        assertEquals(row(7).org_name, ""); // '' reads as none
        assertEquals(row(8).org_name, "' \t "); // a tab after spaces: guarded
        assertEquals(row(9).org_name, "L".repeat(10_000));
        assertEquals(
          [10, 11, 12, 13, 21].map((n) => row(n).org_name),
          ['\'=HYPERLINK("http://x","y")', "'+1+1", "'@SUM(A1)", "'\t=1+2", "'-1"],
        );
        assertEquals(
          row(14).org_name,
          "<script>alert(1)</script> | a | [x](javascript:alert(1)) **b",
        );
        assertEquals(row(15).org_name, "\u202Eevil\u202C شركة\u200Bzw");
        assertEquals(row(16).org_name, "👩‍👩‍👧 Famı\u0301lia e\u0301");
      },
    );

    await t.step("tiers in odd case and spacing: family and plan; an unknown one is other", () => {
      const tiers = (n: number) => [row(n).tier, row(n).tier_raw, row(n).plan];
      assertEquals(tiers(3), ["pro", "PRO-20251210", "pro 2025-12-10"]);
      assertEquals(tiers(4), ["team", " Team-20250130 ", "team (bundle, legacy)"]);
      assertEquals(tiers(7), ["enterprise", "Enterprise", "enterprise (contract)"]);
      assertEquals(tiers(8), ["growth", "growth", "pro (seat, legacy)"]);
      assertEquals(tiers(18), [
        "other",
        "Custom | <b>Plan</b>\n## Injected",
        "unknown tier (no plan)",
      ]);
    });

    await t.step(
      "window edges, a request in the future, a PTB cache hit, a model without a price",
      () => {
        // N20: start $1 in, end $2 out, a second before the start $4 out, a second before the end
        // $8 in, 2027 $16 out, PTB cache hit $32 in (not in the PTB cost)
        assertEquals(
          pick(20, ["requests_30d", "llm_cost_30d", "ptb_requests_30d", "byok_requests_30d"]),
          { requests_30d: "3", llm_cost_30d: "41", ptb_requests_30d: "1", byok_requests_30d: "2" },
        );
        assertEquals(
          pick(20, [
            "llm_cost_ptb_30d",
            "llm_cost_byok_30d",
            "ptb_cost_share_pct",
            "has_gateway_only",
          ]),
          {
            llm_cost_ptb_30d: "0",
            llm_cost_byok_30d: "9",
            ptb_cost_share_pct: "0",
            has_gateway_only: "false",
          },
        );
        // N8: one request at cost 0 (a model the cost table lacks): counted, cost per request 0
        assertEquals(pick(8, ["requests_30d", "llm_cost_30d", "cost_per_request", "is_byok"]), {
          requests_30d: "1",
          llm_cost_30d: "0",
          cost_per_request: "0",
          is_byok: "true",
        });
      },
    );

    await t.step("costs past UInt64 summed exactly; per-seat and per-request from them", () => {
      const big = row(19);
      assertEquals(Number(big.llm_cost_30d), Number(PAST_UINT64_USD.toPrecision(12)));
      assertEquals(Number(big.ptb_spend_all_time), Number(PAST_UINT64_USD.toPrecision(12)));
      assertEquals(Number(big.cost_per_request), Number((PAST_UINT64_USD / 2).toPrecision(12)));
      assertEquals(
        pick(19, [
          "seats",
          "cost_per_seat",
          "is_ptb",
          "has_gateway_only",
          "revenue_source",
          "mrr",
          "gross_margin_pct",
        ]),
        {
          seats: "1",
          cost_per_seat: big.llm_cost_30d, // one seat
          is_ptb: "true",
          has_gateway_only: "true",
          revenue_source: "no_customer",
          mrr: "0",
          gross_margin_pct: "", // mrr 0
        },
      );
    });

    await t.step("a million requests in a day", () => {
      // 1,000,000 × 1,000 nano-USD = $1; every 10th with a prompt; infra 1,000 × $0.05
      assertEquals(
        pick(18, [
          "requests_30d",
          "llm_cost_30d",
          "prompts_used_30d",
          "cost_per_request",
          "company_cost_30d",
        ]),
        {
          requests_30d: "1000000",
          llm_cost_30d: "1",
          prompts_used_30d: "100000",
          cost_per_request: "0.000001",
          company_cost_30d: "50",
        },
      );
    });

    const revenue = (n: number) =>
      pick(n, [
        "stripe_customer_id",
        "mrr",
        "revenue_source",
        "revenue_per_seat",
        "gross_margin_pct",
      ]);

    await t.step(
      "a Stripe customer two organizations share: its revenue once, on the higher tier",
      () => {
        // cus_dup: N4 (team) outranks N3 (pro): $79 on N4, (79 − 4) / 79 × 100 = 94.9367088608
        assertEquals(revenue(4), {
          stripe_customer_id: "cus_dup",
          mrr: "79",
          revenue_source: "stripe",
          revenue_per_seat: "39.5",
          gross_margin_pct: "94.9367088608",
        });
        assertEquals(revenue(3), {
          stripe_customer_id: "cus_dup",
          mrr: "",
          revenue_source: "shared_customer",
          revenue_per_seat: "",
          gross_margin_pct: "",
        });
        // N20: (20 − 41) / 20 × 100; company (20 − 3 / 1000 × 0.05) / 20 × 100
        assertEquals(
          pick(20, ["mrr", "gross_margin_pct", "company_cost_30d", "gross_margin_company_pct"]),
          {
            mrr: "20",
            gross_margin_pct: "-105",
            company_cost_30d: "0.00015",
            gross_margin_company_pct: "99.99925",
          },
        );
      },
    );

    await t.step(
      "a Stripe customer id with blanks around it gets its customer's revenue; a blank one is none",
      () => {
        // ' cus_solo\t' is cus_solo: $20 over one seat and no LLM cost
        assertEquals(revenue(21), {
          stripe_customer_id: "cus_solo",
          mrr: "20",
          revenue_source: "stripe",
          revenue_per_seat: "20",
          gross_margin_pct: "100",
        });
        // a blank customer id is none
        assertEquals(pick(1, ["stripe_customer_id", "revenue_source", "mrr"]), {
          stripe_customer_id: "",
          revenue_source: "no_customer",
          mrr: "0",
        });
        ok(!manifest.warnings.some((w: string) => w.includes("unknown to this Stripe account")));
      },
    );

    await t.step("the XLSX holds the CSV's values, typed, and no formula in any sheet", () => {
      const sheet = read.sheets.pricing_data;
      const header = sheet[0].map(([, , v]) => v as string);
      assertEquals(header, Object.keys(read.csv[0]));
      assertEquals(sheet.length, 19);
      for (const [i, record] of read.csv.entries()) {
        for (const [j, [, type, value]] of sheet[i + 1].entries()) {
          const text = record[header[j]];
          const where = `${record.org_id} ${header[j]}`;
          if (value === null) assertEquals(text, "", where);
          else if (type === "bool") assertEquals(String(value), text, where);
          else if (type === "int" || type === "float") {
            const expected = Number(text);
            ok(Math.abs((value as number) - expected) <= 1e-11 * Math.abs(expected), where);
          } else if (type === "datetime") {
            // openpyxl's naive UTC datetime, to the millisecond
            assertEquals(new Date(`${value}Z`).getTime(), new Date(text).getTime(), where);
          } else assertEquals([type, value], ["str", text], where);
        }
      }
      // exact in the XLSX: the double nearest the sum, not the CSV's 12 digits
      const costColumn = header.indexOf("llm_cost_30d");
      assertEquals(sheet[ORDER.indexOf(org(19)) + 1][costColumn][2], PAST_UINT64_USD);
      for (const [name, cells] of Object.entries(read.sheets)) {
        for (const [dataType, , value] of cells.flat()) {
          ok(dataType !== "f", `${name}: a formula cell ${value}`);
        }
      }
    });

    await t.step(
      "the brief rendered by markdown-it: the hostile tier stays text in its warning line",
      async () => {
        const brief = await Deno.readTextFile(`${stem}.md`);
        const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });
        const tokens = markdown.parse(brief, {});
        const headings = tokens.filter((_, i) => tokens[i - 1]?.type === "heading_open")
          .map((token) => token.content);
        assertEquals(headings, [
          "Helicone pricing data, 2026-11-01",
          "Files",
          "Scope",
          "Totals",
          "Unit economics by plan",
          "Price book",
          "Cost model",
          "PTB vs BYOK",
          "By tier",
          "Distributions",
          "Read with care",
          "Paying organizations: expansion candidates and signs of leaving",
          "Columns",
          "Questions to ask",
        ]);
        const html = markdown.render(brief);
        ok(!/<(b|script|a|img)[\s>]/.test(html), "a tag from the data");
        // (the hostile tier's own text: "Customer discounts" in the cost model is not it)
        const warning = html.split("\n").filter((line) => line.includes("Custom |"));
        assertEquals(warning.length, 1, warning.join("\n"));
        ok(warning[0].startsWith("<li>unknown tier values exported as tier"), warning[0]);
        ok(warning[0].includes("&lt;b&gt;Plan&lt;/b&gt;"), warning[0]);
      },
    );

    await t.step("the brief's totals and PTB vs BYOK rows by hand", async () => {
      const brief = await Deno.readTextFile(`${stem}.md`);
      // seats N2 2 + N3 2 + N4 2 + N19 1 + N21 1; the active user counts in N3, N4 and N19
      ok(brief.includes("| seats | 8 |"));
      ok(
        brief.includes(
          "| active memberships in the 30-day window (a user active in two organizations counts twice) | 3 |",
        ),
      );
      // 3 + 2 + 1,000,000 + 1 + 1 + 3
      ok(brief.includes("| requests in the 30-day window | 1,000,010 |"));
      // 41 + 36,893,488,147.42 + 1 + 4 + 2.5; PTB: 36,893,488,147.42 + N3's 2
      ok(brief.includes("| LLM cost in the 30-day window (all traffic) | $36,893,488,195.92 |"));
      ok(
        brief.includes(
          "| LLM cost in the 30-day window, pass-through billed (cost to the company) | $36,893,488,149.42 |",
        ),
      );
      ok(brief.includes("| MRR (spec definition, organizations with known MRR) | $119.00 |"));
      // mixed: N3 and N4 (one customer, typed together) and N20: 3 + 1 + 3 requests, $2.50 + $4 + $41,
      // company 2.00015 + 0.00005 + 0.00015, MRR 79 + 20, (99 − 47.5) / 99 = 52.0 %
      // typed_by_customer 1: N4, BYOK only on its own (no PTB cost: the PTB cost is N3's), is mixed
      // with N3 through their customer
      // BYOK only: N18 and N8, company 1,000,001 / 1,000 × 0.05; after requests_30d, requests
      // with no cost recorded: N8's one (a model the cost table lacks), on the BYOK side, so none
      // pass-through (ptb_requests_cost_unknown_30d 0)
      for (
        const line of [
          "| mixed | 3 | 1 | 7 | 0 | 0 | $47.50 | $2.00 | $2.00 | $99.00 | – | 52.0 % | – |",
          "| BYOK only | 2 | 0 | 1,000,001 | 1 | 0 | $1.00 | $0.00 | $50.00 | $0.00 | – | – | – |",
          "for 1 request of BYOK-only organizations (the customers' own provider cost: their LLM cost is a lower bound and `gross_margin_pct` an upper bound; their company-basis margin counts no BYOK cost and stands).",
        ]
      ) ok(brief.includes(line), line);
    });

    await t.step("the per-plan row 'all' in the summary sheet by hand", () => {
      const summary = read.sheets.summary.map((cells) => cells.map(([, , v]) => v));
      const all = summary.find((cells) => cells[0] === "all")!;
      // 18 organizations; paying N4 (79), N20 (20), N21 (20); seats 8; arpa 119 / 3;
      // mrr per seat: 119 over the seats of paying customers' organizations N3, N4, N20, N21 = 2 + 2 + 0 + 1
      assertEquals(all.slice(0, 7), ["all", 18, 3, 8, 119, 119 / 3, 119 / 5]);
      // per 1,000 requests: MRR and all LLM cost over 3 + 2 + 1,000,000 + 1 + 1 + 3 requests
      const totalCost = 41 + PAST_UINT64_USD + 1 + 4 + 2.5;
      ok(Math.abs((all[7] as number) - 119 / 1_000_010 * 1000) < 1e-12);
      ok(Math.abs((all[8] as number) / (totalCost / 1_000_010 * 1000) - 1) < 1e-12);
    });

    await t.step(
      "charts: every PNG inflates to its size; counts in the SVG text by hand",
      async () => {
        const pngs = Object.entries(read.pngs);
        assertEquals(pngs.length, 8);
        for (const [name, [width, height, whole]] of pngs) {
          ok(width > 0 && height > 0 && whole, name);
        }
        const svg = await Deno.readTextFile(
          `${outDir}/helicone_pricing_requests_vs_llm_cost_2026-11-01.svg`,
        );
        // with requests and cost > 0: N3, N4, N18, N19, N20; N8's cost is 0
        ok(
          svg.includes(
            "5 organizations with requests and cost; 13 with no requests or zero cost not shown",
          ),
        );
        const usage = await Deno.readTextFile(
          `${outDir}/helicone_pricing_usage_by_tier_2026-11-01.svg`,
        );
        // the caption in lines, one <text> each
        const caption = usage.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
        ok(
          caption.includes(
            "6 organizations with requests; whiskers reach up to 1.5 × the box's height (on the log scale), outliers beyond; with no requests, not shown (log scale): free 9, pro 2, enterprise 1.",
          ),
          caption,
        );
      },
    );

    await t.step("manifest: every file written with its size and digest", async () => {
      const written = [...Deno.readDirSync(outDir)].filter((e) => e.isFile).map((e) => e.name)
        .filter((name) => !name.endsWith(".manifest.json")).sort();
      const listed = manifest.files as { name: string; bytes: number; sha256: string }[];
      assertEquals(listed.map((f) => f.name).sort(), written);
      for (const file of listed) {
        const bytes = await Deno.readFile(`${outDir}/${file.name}`);
        const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
        assertEquals(
          [bytes.length, [...digest].map((b) => b.toString(16).padStart(2, "0")).join("")],
          [file.bytes, file.sha256],
          file.name,
        );
      }
    });
  } finally {
    await fake.close();
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
});
