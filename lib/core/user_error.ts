/** An error the user can fix: printed as one line, without a stack trace. */
export class UserError extends Error {
  override name = "UserError";
}

/** Settings by name: the environment merged over a settings file. */
export type Env = Record<string, string | undefined>;
