/**
 * The brief's upload advice names the segment files by size: the ones `--segments` would write,
 * estimated at the CSV's bytes a row, when none were written (an export too big to upload whose
 * trimmed file does not help either).
 */
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { segmentEstimates, uploadParagraph } from "../lib/report/brief_upload.ts";
import { writeExportBrief } from "../lib/report/brief_file.ts";
import { segmentFrames, segmentRowCounts } from "../lib/report/segments.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { CSV, data, frame } from "./brief_fixture.ts";

const MCP = "let Claude query the data through the kit's MCP server (`deno task mcp`).";

Deno.test("segment sizes are estimated as organizations × the CSV's bytes a row, empty segments left out", () => {
  // 1,000 bytes over 8 organizations: 125 a row; 3 organizations 375 bytes
  assertEquals(
    segmentEstimates({ bytes: 1000, rows: 8 }, [{ name: "a", rows: 3 }, { name: "b", rows: 0 }]),
    { bytesPerRow: 125, segments: [{ name: "a", bytes: 375 }] },
  );
});

Deno.test("segmentRowCounts counts each segment's organizations as segmentFrames picks them", () => {
  // o1–o5, o5's MRR unknown (rules that judge MRR leave it out), and o2–o5
  for (const rows of [frame, frame.slice(1, 4)]) {
    assertEquals(
      segmentRowCounts(rows),
      segmentFrames(rows).map((s) => ({ name: s.name, rows: s.frame.height })),
    );
  }
});

Deno.test("at a million organizations the advice keeps a ~90 MB PTB-customers file from a ~10 MB one", () => {
  // a 200 MB CSV of 1,000,000 organizations: 209.7152 bytes a row; 450,000 PTB customers
  // are 94,371,840 bytes (90.0 MB), 50,000 free high-usage ones 10,485,760 (10.0 MB)
  const estimates = segmentEstimates({ bytes: 200 * 1024 * 1024, rows: 1_000_000 }, [
    { name: "ptb_customers", rows: 450_000 },
    { name: "free_high_usage", rows: 50_000 },
  ]);
  assertEquals(estimates.segments, [
    { name: "ptb_customers", bytes: 94_371_840 },
    { name: "free_high_usage", bytes: 10_485_760 },
  ]);
  const [paragraph] = uploadParagraph({
    exportFiles: [{ name: CSV, bytes: 200 * 1024 * 1024 }],
    trimmedAboveLimit: { rows: 750_000, leftOut: 250_000, floorBytes: 180 * 1024 * 1024 },
    segmentEstimates: estimates,
  }, 20 * 1024 * 1024);
  ok(
    paragraph.endsWith(
      `Instead upload a segment file (\`deno task export --segments\`; sizes estimated after this) or filter the CSV first, with this brief, or ${MCP} Segment files (\`--segments\`) under the limit, estimated at the CSV's 210 bytes a row: \`free_high_usage\` (~10.0 MB); above it: \`ptb_customers\` (~90.0 MB).`,
    ),
    paragraph,
  );
});

Deno.test("without --segments, a CSV too big to upload: the brief names the segments estimated under the limit, or none", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // o2–o5: every one kept by a trimmed file, so there is none; the CSV is 1,117 bytes (1,060 +
    // ptb_requests_cost_unknown_30d's header and comma, 30, + an empty cell's comma on 4 rows; +
    // unbilled_usage_usd's, 19, + 4 commas; + usage_discounts', 16, + 4 commas: 1,137), 284.25 a
    // row, rounded to 284: ptb_customers (2 organizations) ~568.5 bytes (0.6 KB), the others ~284
    // (0.3 KB)
    const busy = frame.slice(1, 4);
    const csvPath = join(dir, CSV);
    assertEquals(await writeCsvFile(busy, csvPath), 1137);
    assertEquals(
      segmentFrames(busy).map((s) => [s.name, s.frame.height]),
      [
        ["ptb_customers", 2],
        ["gateway_only", 1],
        ["byok_paying", 1],
        ["free_high_usage", 0],
        ["underpriced", 1],
        ["negative_margin", 1],
        ["low_seat_utilization", 0],
        ["high_inference_few_seats", 1],
        ["low_inference_many_seats", 0],
      ],
    );
    const upload = async (limit: number) => {
      const written = await writeExportBrief({
        chosenBy: ANOTHER_OUTPUT_FOLDER,
        data: { ...data, frame: busy },
        outDir: dir,
        exportPaths: [csvPath],
        trimAboveBytes: limit,
      });
      const brief = await Deno.readTextFile(written.briefPath);
      return brief.split("\n").find((line) => line.startsWith("**Upload:**")) ?? brief;
    };
    const ones = ["gateway_only", "byok_paying", "underpriced", "negative_margin"]
      .concat("high_inference_few_seats").map((name) => `\`${name}\` (~0.3 KB)`).join(", ");
    // 300 bytes: the one-organization segments fit, ptb_customers does not
    const some = await upload(300);
    ok(
      some.endsWith(
        `so there is no trimmed file: upload a segment file (\`deno task export --segments\`; sizes estimated after this) or filter the CSV first, with this brief, or ${MCP} Segment files (\`--segments\`) under the limit, estimated at the CSV's 284 bytes a row: ${ones}; above it: \`ptb_customers\` (~0.6 KB).`,
      ),
      some,
    );
    // 250 bytes: none fits, so none is offered, and the brief says why
    const none = await upload(250);
    ok(
      none.endsWith(
        `so there is no trimmed file: filter the CSV first, with this brief, or ${MCP} Segment files (\`--segments\`) would be above it too, estimated at the CSV's 284 bytes a row: \`ptb_customers\` (~0.6 KB), ${ones}.`,
      ),
      none,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
