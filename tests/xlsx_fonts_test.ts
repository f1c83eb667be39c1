/**
 * lib/formats/xlsx_fonts.ts: every font the workbook's sheets set names its face (Calibri, the
 * workbook's own), so the summary's title, warnings and table headers and each sheet's header row
 * print in the same family as the cells beside them: a bold font with no name was drawn by
 * LibreOffice in its default serif. Read back from the file's styles, by ExcelJS, and printed to PDF
 * by LibreOffice headless.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import { join } from "node:path";
import { run, writeFixtureWorkbook } from "./economics_workbook.ts";
import { sofficeConvert } from "./libreoffice.ts";

Deno.test("workbook fonts: every font named Calibri; LibreOffice prints no serif", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeFixtureWorkbook(dir, { warnings: ["a warning to print in colour"] });
    const zip = await JSZip.loadAsync(await Deno.readFile(path));
    const styles = await zip.file("xl/styles.xml")!.async("string");
    // the cells' fonts (a conditional format's <dxfs> font is a colour over the cell's own)
    const cellFonts = /<fonts [^>]*>(.*?)<\/fonts>/s.exec(styles)![1];
    const fonts = [...cellFonts.matchAll(/<font>(.*?)<\/font>/gs)].map((m) => m[1]);
    // the body, the title (14 pt bold), the warnings' heading (bold, brown) and lines (brown),
    // the headers (bold): each with its face
    ok(fonts.length >= 5, styles.slice(0, 600));
    for (const font of fonts) ok(font.includes('<name val="Calibri"/>'), font);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    const summary = workbook.getWorksheet("summary")!;
    const title = summary.getCell("A1");
    assertEquals([title.font.name, title.font.bold, title.font.size], ["Calibri", true, 14]);
    const header = workbook.getWorksheet("pricing_data")!.getCell("A1");
    assertEquals([header.value, header.font.name, header.font.bold], ["org_id", "Calibri", true]);
    const dictionary = workbook.getWorksheet("dictionary")!.getCell("A1");
    assertEquals([dictionary.font.name, dictionary.font.bold], ["Calibri", true]);

    await sofficeConvert(path, { to: "pdf", outDir: dir });
    const used = await run("pdffonts", [join(dir, "fixture.pdf")]);
    ok(!/serif/i.test(used.replace(/sans/gi, "")), used);
    ok(/DejaVuSans-Bold|Carlito-Bold|Calibri-Bold/.test(used), used);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
