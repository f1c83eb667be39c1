/**
 * PNG images on one sheet of a streamed XLSX (ExcelJS's streaming writer has no images), without
 * reopening the finished file: the sheet's `<drawing>` element, its relationships and the content
 * types only say that a drawing exists, so they go into ExcelJS's small in-memory template; the
 * drawing part (one picture per image, where it sits), its relationships and the PNGs are appended
 * as the archive's last entries once the images exist (ZIP entry order is free: the central
 * directory names them).
 */

export interface SheetImage {
  name: string;
  png: Uint8Array;
  /** 0-based top-left cell */
  row: number;
  col: number;
  widthPx: number;
  heightPx: number;
}

/** A drawing on a sheet whose images come later (rendered while the data sheet is written). */
export interface SheetDrawing {
  /** 1 = the workbook's first sheet */
  sheetNumber: number;
  /** awaited once every other entry is written; a rejection fails the workbook */
  images: Promise<SheetImage[]>;
}

/** An entry added to the archive: text is deflated, bytes (PNGs, already compressed) stored. */
export type AddedEntry = { name: string; text: string } | { name: string; bytes: Uint8Array };

const EMU_PER_PX = 9525;
const REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const DRAWING_ID = "rIdDrawing1";

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

const drawingName = (sheetNumber: number) => `drawing${sheetNumber}`;

/**
 * The template's side of a drawing on sheet `sheetNumber`: the sheet's `<drawing>` element and
 * the content types (edited entries), and the sheet's relationships (an added entry).
 */
export function templateDrawingParts(sheetNumber: number): {
  /** new text of an entry of the template, or undefined to keep it */
  edit: (name: string, text: string) => string | undefined;
  /** the names `edit` changes */
  edited: string[];
  added: AddedEntry[];
} {
  const sheetPath = `xl/worksheets/sheet${sheetNumber}.xml`;
  const drawing = drawingName(sheetNumber);
  const edit = (name: string, text: string): string | undefined => {
    if (name === sheetPath) {
      // <drawing> goes after pageSetup/headerFooter/breaks, before legacyDrawing/tableParts/extLst.
      const at = ["<legacyDrawing", "<tableParts", "<extLst", "</worksheet>"]
        .map((tag) => text.indexOf(tag)).filter((i) => i >= 0)[0];
      return `${text.slice(0, at)}<drawing r:id="${DRAWING_ID}"/>${text.slice(at)}`;
    }
    if (name === "[Content_Types].xml") {
      const types = text.includes('Extension="png"')
        ? text
        : text.replace("<Default ", '<Default Extension="png" ContentType="image/png"/><Default ');
      return types.replace(
        "</Types>",
        `<Override PartName="/xl/drawings/${drawing}.xml" ContentType="application/vnd.openxmlformats-officedocument.drawing+xml"/></Types>`,
      );
    }
    return undefined;
  };
  return {
    edit,
    edited: [sheetPath, "[Content_Types].xml"],
    added: [{
      name: `xl/worksheets/_rels/sheet${sheetNumber}.xml.rels`,
      text: relationships([{
        id: DRAWING_ID,
        type: "drawing",
        target: `../drawings/${drawing}.xml`,
      }]),
    }],
  };
}

/** The drawing part, its relationships and the PNGs: the archive's last entries. */
export function drawingEntries(sheetNumber: number, images: SheetImage[]): AddedEntry[] {
  const drawing = drawingName(sheetNumber);
  // image<n>.png, as Excel and ExcelJS name media: ExcelJS's reader skips other names
  const media = (i: number) => `image${i + 1}.png`;
  return [
    { name: `xl/drawings/${drawing}.xml`, text: drawingXml(images) },
    {
      name: `xl/drawings/_rels/${drawing}.xml.rels`,
      text: relationships(images.map((_, i) => ({
        id: `rId${i + 1}`,
        type: "image",
        target: `../media/${media(i)}`,
      }))),
    },
    ...images.map((image, i) => ({ name: `xl/media/${media(i)}`, bytes: image.png })),
  ];
}
