/**
 * Admin bearer token. Both sides are hashed before the constant-time compare, so neither the
 * content nor the length of the expected token leaks through timing.
 */
import { createHash, timingSafeEqual } from "node:crypto";

/**
 * A refusal carries what its JSON error answer says, the same on the admin endpoints and on /mcp:
 * the status, its error code, the message, and on 401 the Bearer challenge.
 */
export type AuthRefusal = {
  ok: false;
  /**
   * 401: no usable credentials (no header, or not `Bearer <token>`); 403: a well-formed token
   * that is not the admin token
   */
  status: 401 | 403;
  error: "unauthorized" | "forbidden";
  message: string;
  headers: Record<string, string>;
};

export type AuthOutcome = { ok: true } | AuthRefusal;

function refused(status: 401 | 403, message: string): AuthRefusal {
  return status === 401
    ? {
      ok: false,
      status,
      error: "unauthorized",
      message,
      headers: { "www-authenticate": 'Bearer realm="pricing-kit"' },
    }
    : { ok: false, status, error: "forbidden", message, headers: {} };
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

export class BearerAuth {
  readonly #expected: Buffer | null;

  /** `token` null turns checking off (only allowed for demo data on loopback; see settings). */
  constructor(token: string | null) {
    this.#expected = token === null ? null : sha256(token);
  }

  get enabled(): boolean {
    return this.#expected !== null;
  }

  check(authorization: string | null): AuthOutcome {
    if (this.#expected === null) return { ok: true };
    if (!authorization) {
      return refused(401, "admin token required: send Authorization: Bearer <token>");
    }
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (!match) {
      return refused(401, "Authorization must be: Bearer <token>");
    }
    if (!timingSafeEqual(sha256(match[1]), this.#expected)) {
      return refused(403, "the admin token is not valid: use the server's PRICING_SERVER_TOKEN");
    }
    return { ok: true };
  }
}

/**
 * Shows `token` as *** in a log line, in each form a URL may carry it: as typed, as encodeURI and
 * encodeURIComponent write it, and as a URL's path percent-encodes it (", <, > … by rules of its own).
 */
export function tokenMasker(token: string | null | undefined): (text: string) => string {
  if (!token) return (text) => text;
  const path = new URL(`http://h/${token}`).pathname.slice(1);
  const forms = [token, encodeURI(token), encodeURIComponent(token), path];
  return (text) => forms.reduce((out, form) => out.replaceAll(form, "***"), text);
}
