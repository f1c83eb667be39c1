/**
 * Embeds PNG images in one sheet of a finished XLSX file (ExcelJS's streaming writer has no
 * images): a drawing part with one picture per image, its relationships, and the content types.
 */
import JSZip from "jszip";

export interface SheetImage {
  name: string;
  png: Uint8Array;
  /** 0-based top-left cell */
  row: number;
  col: number;
  widthPx: number;
  heightPx: number;
}

const EMU_PER_PX = 9525;
const REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

function escapeXml(text: string): string {
  return text.replace(
    /[<>&"]/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" }[c]!),
  );
}

function drawingXml(images: SheetImage[]): string {
  const anchors = images.map((image, i) => {
    const cx = image.widthPx * EMU_PER_PX;
    const cy = image.heightPx * EMU_PER_PX;
    return `<xdr:oneCellAnchor><xdr:from><xdr:col>${image.col}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>${image.row}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="${cx}" cy="${cy}"/><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="${
      i + 2
    }" name="${escapeXml(image.name)}" descr="${
      escapeXml(image.name)
    }"/><xdr:cNvPicPr><a:picLocks noChangeAspect="1"/></xdr:cNvPicPr></xdr:nvPicPr><xdr:blipFill><a:blip r:embed="rId${
      i + 1
    }"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill><xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="${cx}" cy="${cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/></xdr:oneCellAnchor>`;
  }).join("");
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="${REL}">${anchors}</xdr:wsDr>`;
}

function relationships(items: { id: string; type: string; target: string }[]): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${
    items.map((r) => `<Relationship Id="${r.id}" Type="${REL}/${r.type}" Target="${r.target}"/>`)
      .join("")
  }</Relationships>`;
}

/** Adds `images` to sheet `sheetNumber` (1 = the first sheet) of the XLSX at `path`, in place. */
export async function embedSheetImages(
  path: string,
  { sheetNumber, images }: { sheetNumber: number; images: SheetImage[] },
): Promise<void> {
  if (images.length === 0) return;
  const zip = await JSZip.loadAsync(await Deno.readFile(path));
  const sheetPath = `xl/worksheets/sheet${sheetNumber}.xml`;
  const sheetRelsPath = `xl/worksheets/_rels/sheet${sheetNumber}.xml.rels`;
  const sheet = await zip.file(sheetPath)?.async("string");
  if (sheet === undefined) throw new Error(`${path} has no ${sheetPath}`);
  if (zip.file(sheetRelsPath)) throw new Error(`${sheetPath} already has relationships`);
  const drawing = `drawing${sheetNumber}`;
  images.forEach((image, i) => zip.file(`xl/media/${drawing}_image${i + 1}.png`, image.png));
  zip.file(`xl/drawings/${drawing}.xml`, drawingXml(images));
  zip.file(
    `xl/drawings/_rels/${drawing}.xml.rels`,
    relationships(images.map((_, i) => ({
      id: `rId${i + 1}`,
      type: "image",
      target: `../media/${drawing}_image${i + 1}.png`,
    }))),
  );
  zip.file(
    sheetRelsPath,
    relationships([{ id: "rIdDrawing1", type: "drawing", target: `../drawings/${drawing}.xml` }]),
  );
  // <drawing> goes after pageSetup/headerFooter/breaks and before legacyDrawing/tableParts/extLst.
  const at = ["<legacyDrawing", "<tableParts", "<extLst", "</worksheet>"]
    .map((tag) => sheet.indexOf(tag)).filter((i) => i >= 0)[0];
  zip.file(sheetPath, `${sheet.slice(0, at)}<drawing r:id="rIdDrawing1"/>${sheet.slice(at)}`);
  let types = await zip.file("[Content_Types].xml")!.async("string");
  if (!types.includes('Extension="png"')) {
    types = types.replace(
      "<Default ",
      '<Default Extension="png" ContentType="image/png"/><Default ',
    );
  }
  types = types.replace(
    "</Types>",
    `<Override PartName="/xl/drawings/${drawing}.xml" ContentType="application/vnd.openxmlformats-officedocument.drawing+xml"/></Types>`,
  );
  zip.file("[Content_Types].xml", types);
  const bytes = await zip.generateAsync({ type: "uint8array", compression: "DEFLATE" });
  await Deno.writeFile(path, bytes);
}
