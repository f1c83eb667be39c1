/**
 * COPY … TO STDOUT read by lib/sources/copy_out_stream.ts: its message parsing on protocol bytes
 * cut into chunks of every size (the CSV exactly, what follows CopyDone handed back to pg, an
 * error handed to pg from its first byte), and on the real PostgreSQL of `deno task test`: rows
 * of every length and character, notices between them, an error mid-copy, the connection usable
 * after each.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { Buffer } from "node:buffer";
import pg from "pg";
import { copyOutStream } from "../lib/sources/copy_out_stream.ts";
import { testServers } from "./env.ts";

/** A protocol message: code, length (counting itself), content. */
function message(code: string, content: string | Buffer): Buffer {
  const body = typeof content === "string" ? Buffer.from(content) : content;
  const header = Buffer.alloc(5);
  header[0] = code.charCodeAt(0);
  header.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

const ROWS = [
  "org_id,org_name\n",
  "o1,Acme\n",
  'o2,"Comma, ""quoted"" and\nnewline"\n',
  "o3,Zürich 日本 🚀\n",
  `o4,${"x".repeat(300)}\n`, // longer than the in-loop copy
  "o5,\n",
];
/** what follows CopyDone: CommandComplete and ReadyForQuery, pg's to read */
const AFTER = Buffer.concat([message("C", "COPY 6\0"), message("Z", "I")]);
const STREAM = Buffer.concat([
  message("H", Buffer.from([0, 0, 2, 0, 0, 0, 0])), // CopyOutResponse: text, two columns
  message("d", ROWS[0]),
  message("d", ROWS[1]),
  message("N", "SNOTICE\0Mhalf way\0\0"), // a notice between rows is not data
  message("d", ROWS[2]),
  message("S", "TimeZone\0UTC\0"),
  message("d", ROWS[3]),
  message("d", ROWS[4]),
  message("d", ROWS[5]),
  message("c", ""), // CopyDone
  AFTER,
]);

/** Feeds `bytes` in chunks of `size` to a stream whose connection hooks are recorded. */
function parse(bytes: Buffer, size: number) {
  const stream = copyOutStream("COPY (SELECT 1) TO STDOUT") as unknown as {
    _parse(chunk: Buffer): boolean | undefined;
    _buffer: { size: number; take(n: number): Buffer };
    push(chunk: Buffer | null): boolean;
    _detach(): void;
    _cleanup(): void;
  };
  const data: Buffer[] = [];
  let handedBack: Buffer | null = null;
  let ended = false;
  stream.push = (chunk) => {
    if (chunk === null) ended = true;
    else data.push(Buffer.from(chunk));
    return true;
  };
  stream._detach = () => handedBack = stream._buffer.take(stream._buffer.size);
  stream._cleanup = () => {};
  let at = 0;
  while (at < bytes.length && handedBack === null) {
    // a copy: the stream may move bytes within the chunk it is given
    stream._parse(Buffer.from(bytes.subarray(at, at += size)));
  }
  return {
    csv: Buffer.concat(data).toString(),
    // what pg reads: the bytes handed back, then the connection's next chunks
    pgReads: handedBack === null ? null : Buffer.concat([handedBack, bytes.subarray(at)]),
    ended,
  };
}

Deno.test("chunks of every size give the CSV exactly and hand what follows CopyDone back to pg", () => {
  for (const size of [1, 2, 3, 4, 5, 6, 7, 11, 64, 301, 4096]) {
    const { csv, pgReads, ended } = parse(STREAM, size);
    assertEquals(csv, ROWS.join(""), `chunks of ${size}`);
    assertEquals(pgReads, AFTER, `chunks of ${size}`);
    ok(ended, `chunks of ${size}`);
  }
});

Deno.test("an error during the copy is handed to pg from its first byte, with nothing read past it", () => {
  const error = message("E", "SERROR\0C22012\0Mdivision by zero\0\0");
  const bytes = Buffer.concat([
    message("H", Buffer.from([0, 0, 1, 0, 0])),
    message("d", "1\n"),
    error,
    message("Z", "I"),
  ]);
  const errorAt = bytes.indexOf(error);
  for (const size of [1, 3, 5, 8, 4096]) {
    const { csv, pgReads, ended } = parse(bytes, size);
    assertEquals(pgReads, bytes.subarray(errorAt), `chunks of ${size}`);
    ok("1\n".startsWith(csv), `chunks of ${size}: ${csv}`);
    assertEquals(ended, false);
  }
});

/** A client of the test server, outside any read-only transaction (it makes a temp function). */
async function withClient(work: (client: pg.Client) => Promise<void>) {
  const client = new pg.Client({ connectionString: testServers().pgUrl });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

async function copied(client: pg.Client, statement: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of client.query(copyOutStream(statement))) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

Deno.test("real PostgreSQL: 20,000 rows of every length, notices between them, the connection usable after", async () => {
  await withClient(async (client) => {
    // a row's text: its number, a quote, a comma, a newline, non-ASCII, and i % 700 x's; the
    // notices arrive among the rows' messages (the copy, like pg-copy-streams', passes them over)
    await client.query(`CREATE FUNCTION pg_temp.noisy(i int) RETURNS text LANGUAGE plpgsql AS $$
      BEGIN
        IF i % 5000 = 0 THEN RAISE NOTICE 'row %', i; END IF;
        RETURN i || ' "q", é
' || repeat('x', i % 700);
      END $$`);
    const csv = await copied(
      client,
      "COPY (SELECT i, pg_temp.noisy(i) AS t FROM generate_series(1, 20000) i) TO STDOUT WITH (FORMAT csv, HEADER true)",
    );
    const expected = ["i,t\n"];
    for (let i = 1; i <= 20_000; i++) {
      expected.push(`${i},"${i} ""q"", é\n${"x".repeat(i % 700)}"\n`);
    }
    assertEquals(csv, expected.join(""));
    // pg read CommandComplete and ReadyForQuery: the next query is answered
    assertEquals((await client.query("SELECT 41 + 1 AS n")).rows, [{ n: 42 }]);
  });
});

Deno.test("real PostgreSQL: an error mid-copy rejects with PostgreSQL's message; the connection is usable after", async () => {
  await withClient(async (client) => {
    await rejects(
      copied(client, "COPY (SELECT 1 / (i - 15000) FROM generate_series(1, 20000) i) TO STDOUT"),
      /division by zero/,
    );
    assertEquals((await client.query("SELECT 'still here' AS s")).rows, [{ s: "still here" }]);
  });
});
