/** An RFC 4180 CSV parser (quoted fields, doubled quotes, CRLF or LF, newlines inside quotes). */

/** Rows of fields; the header is row 0. A trailing line end does not make an empty row. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // a BOM is not part of the first header
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (quoted) throw new Error("CSV ends inside a quoted field");
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Header + records as objects keyed by the header names. */
export function parseCsvRecords(
  text: string,
): { header: string[]; records: Record<string, string>[] } {
  const [header = [], ...rest] = parseCsv(text);
  const records = rest.map((fields, index) => {
    if (fields.length !== header.length) {
      throw new Error(
        `CSV row ${index + 2} has ${fields.length} fields, the header has ${header.length}`,
      );
    }
    return Object.fromEntries(header.map((name, i) => [name, fields[i]]));
  });
  return { header, records };
}
