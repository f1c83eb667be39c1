/**
 * Whether a host name is this machine's loopback: `localhost`, 127.x.x.x or ::1 (bracketed or
 * not). What may be reached without TLS with a secret (an SMTP relay, a Stripe fake or proxy), and
 * the one place the admin server may serve without a token.
 */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
