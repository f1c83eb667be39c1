/**
 * lib/server/auth.ts on its own: the Authorization header's form (the scheme is a whole word at
 * its start) and the access log's mask of a base64 token (`openssl rand -base64 32` writes + / =,
 * which a query string carries percent-encoded as encodeURIComponent writes them).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { BearerAuth, tokenMasker } from "../lib/server/auth.ts";

Deno.test("auth: the scheme must open the header: XBearer or Token Bearer is malformed (401), not a token check", () => {
  const auth = new BearerAuth("s3cret");
  assertEquals(auth.check("Bearer s3cret"), { ok: true });
  assertEquals(auth.check("bearer s3cret"), { ok: true });
  for (const header of ["XBearer s3cret", "Token Bearer s3cret"]) {
    const outcome = auth.check(header);
    assertEquals(
      outcome.ok ? outcome : [outcome.status, outcome.message],
      [401, "Authorization must be: Bearer <token>"],
      header,
    );
  }
});

Deno.test("auth: a base64 token is masked as encodeURIComponent writes it (+ / = percent-encoded)", () => {
  const token = "ab+cd/ef==";
  const mask = tokenMasker(token);
  assertEquals(encodeURIComponent(token), "ab%2Bcd%2Fef%3D%3D");
  assertEquals(
    mask("GET /api/export?token=ab%2Bcd%2Fef%3D%3D 401"),
    "GET /api/export?token=*** 401",
  );
  assertEquals(mask("plain ab+cd/ef=="), "plain ***");
});
