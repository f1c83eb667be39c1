/** ClickHouse's HTTP interface takes one statement per request: split a file on `;` at line ends. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.split("\n").filter((l) => !l.trim().startsWith("--")).join("\n").trim())
    .filter((s) => s !== "");
}
