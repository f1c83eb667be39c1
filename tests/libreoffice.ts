/**
 * LibreOffice headless for the workbook tests: one conversion, with a profile folder of its own
 * (two soffice processes sharing the user's profile refuse to run at once).
 */
import { ok } from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { unlessHung } from "./hang_guard.ts";

/**
 * Converts `path` with `soffice --convert-to <to>` into `outDir` (`infilter`: how to read it, e.g.
 * a CSV's separator and encoding); throws with its stderr.
 */
export async function sofficeConvert(
  path: string,
  { to, outDir, infilter }: { to: string; outDir: string; infilter?: string },
): Promise<void> {
  const profile = await Deno.makeTempDir();
  try {
    const soffice = new Deno.Command("soffice", {
      args: [
        // a URL, so percent-encoded: the folder is under TMPDIR, which may hold a space or a
        // non-ASCII letter (written raw, soffice threw a RuntimeException and hung)
        `-env:UserInstallation=${pathToFileURL(profile).href}`,
        "--headless",
        ...(infilter ? [`--infilter=${infilter}`] : []),
        "--convert-to",
        to,
        "--outdir",
        outDir,
        path,
      ],
      // what it prints (a CSV's numbers, a PDF's TRUE/FALSE) in one locale on every machine: it
      // follows the tester's (LANG=tr_TR.UTF-8 printed 0,0000001 and DOĞRU/YANLIŞ)
      env: { LC_ALL: "C.UTF-8" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = await unlessHung(`soffice --convert-to ${to}`, soffice.output(), {
      onHang: () => soffice.kill("SIGKILL"),
    });
    ok(output.success, `soffice --convert-to ${to}: ${new TextDecoder().decode(output.stderr)}`);
  } finally {
    await Deno.remove(profile, { recursive: true });
  }
}
