/**
 * The oldest Deno the kit runs on, checked as a command starts. 2.9.5 is the first that applies
 * deno.json's `"unstable": ["no-legacy-abort"]` (denoland/deno#36312; 2.9.4 accepted the entry
 * and ignored it), on which the server's runs rely: a request's signal means its client left, not
 * that its answer was sent. The kit is tested with 2.9.6.
 */
export const MIN_DENO_VERSION = "2.9.5";

/** The numbers of "2.9.6" or "2.10.0-rc.1" (a pre-release counts as its release). */
function versionNumbers(version: string): number[] {
  return version.split(/[-+]/)[0].split(".").map((part) => Number.parseInt(part, 10) || 0);
}

/** One line naming the version and the fix when `version` is older than MIN_DENO_VERSION. */
export function denoTooOld(version: string): string | null {
  const running = versionNumbers(version);
  const minimum = versionNumbers(MIN_DENO_VERSION);
  for (let i = 0; i < minimum.length; i++) {
    const part = running[i] ?? 0;
    if (part > minimum[i]) return null;
    if (part < minimum[i]) {
      return `pricing-kit needs Deno ${MIN_DENO_VERSION} or later, and this is Deno ${version}: run \`deno upgrade\` (or \`npm install -g deno\`), then run the command again`;
    }
  }
  return null;
}
