/**
 * The export's mail: emailExport and `deno task export --email` attach the brief, the trimmed CSV
 * or the workbook, and print a relay's reply escaped; against the SMTP server of
 * tests/smtp_server.ts.
 */
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { emailExport } from "../lib/delivery/email.ts";
import { readExportFile } from "../lib/formats/read_export.ts";
import { binary, parseMime, settings, startServer } from "./smtp_server.ts";

Deno.test("emailExport attaches the brief and the trimmed CSV when there is one", async () => {
  const server = await startServer();
  const dir = await Deno.makeTempDir();
  try {
    const csvPath = join(dir, "helicone_pricing_data_2026-11-01.csv");
    const trimmedPath = join(dir, "helicone_pricing_data_2026-11-01_trimmed.csv");
    const briefPath = join(dir, "helicone_pricing_data_2026-11-01.md");
    await Deno.writeTextFile(csvPath, "full");
    await Deno.writeTextFile(trimmedPath, "trimmed");
    await Deno.writeTextFile(briefPath, "# brief");
    const input = {
      asOf: new Date("2026-11-01T00:00:00Z"),
      demo: false,
      organizations: 3,
      briefPath,
    };
    assertEquals(await emailExport(settings(server.port), { ...input, csvPath, trimmedPath }), [
      "helicone_pricing_data_2026-11-01_trimmed.csv",
      "helicone_pricing_data_2026-11-01.md",
    ]);
    assertEquals(await emailExport(settings(server.port), { ...input, csvPath }), [
      "helicone_pricing_data_2026-11-01.csv",
      "helicone_pricing_data_2026-11-01.md",
    ]);
    const parts = server.messages.map((m) => parseMime(m.data));
    assertEquals(parts[0].headers.Subject, "Helicone pricing data 2026-11-01");
    assertEquals(new TextDecoder().decode(parts[0].parts[1].content), "trimmed");
    assertEquals(new TextDecoder().decode(parts[1].parts[1].content), "full");
    assertEquals(new TextDecoder().decode(parts[1].parts[2].content), "# brief");
    ok(parts[1].parts[2].headers.includes("Content-Type: text/markdown; charset=utf-8"));
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("emailExport attaches the workbook when the export has no CSV, within the guard", async () => {
  const server = await startServer();
  const dir = await Deno.makeTempDir();
  try {
    const xlsxPath = join(dir, "helicone_pricing_data_2026-11-01.xlsx");
    const briefPath = join(dir, "helicone_pricing_data_2026-11-01.md");
    await Deno.writeFile(xlsxPath, binary); // 600 bytes
    await Deno.writeTextFile(briefPath, "# brief"); // 7 bytes
    const input = {
      asOf: new Date("2026-11-01T00:00:00Z"),
      demo: false,
      organizations: 3,
      briefPath,
      xlsxPath,
    };
    assertEquals(await emailExport(settings(server.port), input), [
      "helicone_pricing_data_2026-11-01.xlsx",
      "helicone_pricing_data_2026-11-01.md",
    ]);
    const mime = parseMime(server.messages[0].data);
    const text = new TextDecoder().decode(mime.parts[0].content);
    ok(text.includes("- helicone_pricing_data_2026-11-01.xlsx\n"), text);
    ok(text.includes("Upload the workbook (.xlsx) together with the .md brief"), text);
    ok(!text.includes("CSV"), text);
    assertEquals(mime.parts[1].content, binary);
    ok(mime.parts[1].headers.includes(
      "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ));
    // 607 bytes > 0.0005 MB = 524 bytes: refused before connecting, naming the way to a smaller file
    await rejects(
      emailExport(settings(server.port, { PRICING_EMAIL_MAX_ATTACHMENTS_MB: "0.0005" }), input),
      {
        message:
          "email not sent: attachments are 607 bytes (helicone_pricing_data_2026-11-01.xlsx 600 bytes, helicone_pricing_data_2026-11-01.md 7 bytes), above the 524 bytes limit (a workbook has no trimmed variant: --format csv writes a CSV, and a trimmed one when it is large); raise PRICING_EMAIL_MAX_ATTACHMENTS_MB or share the files another way",
      },
    );
    assertEquals(server.connections, 1);
    // no data file at all: refused, never the brief alone as if it were the export
    await rejects(emailExport(settings(server.port), { ...input, xlsxPath: undefined }), {
      message: "email not sent: the export wrote no CSV or XLSX to attach",
    });
    assertEquals(server.connections, 1);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** `deno task export --demo --no-charts --email …` into `out`, mailing to the sink on `port`. */
function exportWithEmail(
  { port, out, args, env = {} }: {
    port: number;
    out: string;
    args: string[];
    env?: Record<string, string>;
  },
) {
  const cli = fileURLToPath(new URL("../lib/cli/export.ts", import.meta.url));
  return new Deno.Command(Deno.execPath(), {
    args: [
      ...["run", "-A", cli, "--demo", "--no-charts", "--email", ...args],
      ...["--out-dir", out, "--env-file", "/dev/null"],
    ],
    env: {
      NO_COLOR: "1",
      PRICING_SMTP_HOST: "127.0.0.1",
      PRICING_SMTP_PORT: String(port),
      PRICING_SMTP_SECURITY: "none",
      PRICING_EMAIL_FROM: "kit@example.com",
      PRICING_EMAIL_TO: "team@example.com",
      ...env,
    },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
}

Deno.test("export --format xlsx --email sends the workbook and the brief", async () => {
  const server = await startServer();
  const out = await Deno.makeTempDir();
  try {
    const output = await exportWithEmail({
      port: server.port,
      out,
      args: ["--format", "xlsx", "--as-of", "2026-11-01"],
    });
    const stderr = new TextDecoder().decode(output.stderr);
    assertEquals(output.code, 0, stderr);
    const stdout = new TextDecoder().decode(output.stdout);
    const xlsx = "helicone_pricing_data_2026-11-01_demo.xlsx";
    const brief = "helicone_pricing_data_2026-11-01_demo.md";
    ok(stdout.includes(`Emailed ${xlsx}, ${brief}\n`), stdout);
    assertEquals(server.messages.length, 1);
    const mime = parseMime(server.messages[0].data);
    const names = mime.parts.slice(1).map((part) => part.headers.match(/filename="?([^";]+)/)![1]);
    assertEquals(names, [xlsx, brief]);
    assertEquals(mime.parts[1].content, await Deno.readFile(join(out, xlsx)));
    ok(new TextDecoder().decode(mime.parts[0].content).includes("Upload the workbook (.xlsx)"));
    // the copies kept for the mail are gone once it is sent (only the history folder is left
    // beside the files)
    assertEquals(
      [...Deno.readDirSync(out)].filter((e) => e.isDirectory).map((e) => e.name),
      ["history"],
    );
  } finally {
    await server.close();
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("export --email: the trimmed CSV is named with its organizations; one above the upload limit too is neither written nor sent", async () => {
  const server = await startServer();
  const out = await Deno.makeTempDir();
  try {
    // the demo CSV is ~107 KB, its trimmed file ~91 KB (at least ~56 KB by trimmedFloorBytes)
    const run = (trimAboveMb: string) =>
      exportWithEmail({
        port: server.port,
        out,
        args: ["--format", "csv", "--as-of", "2026-10-01"],
        env: { PRICING_BRIEF_TRIM_ABOVE_MB: trimAboveMb },
      });
    const csv = "helicone_pricing_data_2026-10-01_demo.csv";
    const trimmed = "helicone_pricing_data_2026-10-01_demo_trimmed.csv";
    const brief = "helicone_pricing_data_2026-10-01_demo.md";
    const mailOf = (index: number) => {
      const mime = parseMime(server.messages[index].data);
      const names = mime.parts.slice(1).map((p) => p.headers.match(/filename="?([^";]+)/)![1]);
      return { names, text: new TextDecoder().decode(mime.parts[0].content) };
    };
    // 0.1 MB = 102,400 bytes: the CSV is above it, the trimmed file below: written and sent
    const fits = await run("0.1");
    assertEquals(fits.code, 0, new TextDecoder().decode(fits.stderr));
    const rows = (await readExportFile(join(out, trimmed))).frame.height;
    const organizations = (await readExportFile(join(out, csv))).frame.height;
    ok(rows < organizations, `${rows} < ${organizations}`);
    const sent = mailOf(0);
    assertEquals(sent.names, [trimmed, brief]);
    ok(
      sent.text.includes(
        `The CSV attached is the trimmed one, ${trimmed}: ${rows} of the ${organizations} organizations (the full CSV is too large to upload; the brief says what it leaves out).`,
      ),
      sent.text,
    );
    ok(sent.text.includes("Upload the trimmed CSV together with the .md brief"), sent.text);
    // 0.08 MB = 83,886 bytes: the trimmed file's fewest bytes fit, the file written does not
    const above = await run("0.08");
    assertEquals(above.code, 0, new TextDecoder().decode(above.stderr));
    await rejects(Deno.stat(join(out, trimmed)), Deno.errors.NotFound); // (the earlier one retired)
    const text = await Deno.readTextFile(join(out, brief));
    ok(
      text.includes("A trimmed file is above it too, so it was not kept: written, it came to"),
      text,
    );
    ok(!text.includes(trimmed), text);
    const full = mailOf(1);
    assertEquals(full.names, [csv, brief]);
    ok(!full.text.includes("trimmed"), full.text);
    // the full CSV is above the limit too: the mail does not say to upload it (the brief says not)
    const csvKb = ((await Deno.stat(join(out, csv))).size / 1024).toFixed(1);
    ok(
      full.text.includes(
        `The CSV attached (${csvKb} KB) is above the 81.9 KB AI assistants take comfortably: the brief's Upload line says what to give one instead`,
      ),
      full.text,
    );
    ok(!full.text.includes("Upload the CSV together"), full.text);
  } finally {
    await server.close();
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("export --email: a relay's reply with control characters is printed escaped, exit 2", async () => {
  // a relay's reply is its text, not the kit's: an escape sequence in it would retitle or clear
  // the terminal (or a log viewer) of whoever reads the cron log
  const server = await startServer({
    rejectRecipient: "team@example.com",
    rejectReply: "550 \x1b]0;owned\x07\x1b[2Jno such user \u202eexe.txt",
  });
  const out = await Deno.makeTempDir();
  try {
    const output = await exportWithEmail({
      port: server.port,
      out,
      args: ["--quiet", "--format", "csv", "--as-of", "2026-11-01"],
    });
    assertEquals(output.code, 2);
    assertEquals(
      new TextDecoder().decode(output.stderr),
      "error: email: SMTP server refused RCPT TO:<team@example.com>: 550 \\u001b]0;owned\\u0007\\u001b[2Jno such user \\u202eexe.txt (the export itself was written)\n",
    );
    assertEquals(server.messages.length, 0);
    // the export stays; the copies kept for the mail are gone
    assertEquals([...Deno.readDirSync(out)].map((e) => e.name).sort(), [
      "helicone_pricing_data_2026-11-01_demo.csv",
      "helicone_pricing_data_2026-11-01_demo.manifest.json",
      "helicone_pricing_data_2026-11-01_demo.md",
      "history",
    ]);
  } finally {
    await server.close();
    await Deno.remove(out, { recursive: true });
  }
});
