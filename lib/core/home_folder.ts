/**
 * A folder setting or flag written `~/…`: only a shell expands `~` to the home folder. From a
 * `.env`, an unexpanded `--flag=~/…` or a notebook the kit gets it as written, where a folder
 * literally named `~` would be made, or Polars (which expands it) would write elsewhere.
 */
import { join } from "node:path";
import type { ChosenBy } from "./chosen_by.ts";
import { UserError } from "./user_error.ts";

/** True of `~`, `~/…` and `~\…` (not of `~name`, another user's, or `a~b`). */
export function startsWithHome(dir: string): boolean {
  return /^~(\/|\\|$)/.test(dir);
}

/** A folder written `~/…`: named as chosen (`kind` when no setting named it), with the full path. */
export function homeFolderError(
  dir: string,
  { kind, named, otherwise }: ChosenBy & { kind: string },
): UserError {
  // (Windows sets USERPROFILE; HOME only under Git Bash and the like)
  const home = Deno.env.get("HOME") || Deno.env.get("USERPROFILE");
  const full = home ? JSON.stringify(join(home, dir.slice(1))) : "the full path";
  const fix = named?.startsWith("--")
    ? `pass ${full} to ${named}`
    : named
    ? `set ${named} to ${full}`
    : `${otherwise} (${full})`;
  return new UserError(
    `${named ?? kind} ${dir} starts with ~, which only a shell expands to the home folder; ${fix}`,
  );
}
