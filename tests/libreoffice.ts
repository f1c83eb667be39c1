/**
 * LibreOffice headless for the workbook tests: one conversion, with a profile folder of its own
 * (two soffice processes sharing the user's profile refuse to run at once).
 */
import { ok } from "node:assert/strict";

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
    const output = await new Deno.Command("soffice", {
      args: [
        `-env:UserInstallation=file://${profile}`,
        "--headless",
        ...(infilter ? [`--infilter=${infilter}`] : []),
        "--convert-to",
        to,
        "--outdir",
        outDir,
        path,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    ok(output.success, `soffice --convert-to ${to}: ${new TextDecoder().decode(output.stderr)}`);
  } finally {
    await Deno.remove(profile, { recursive: true });
  }
}
