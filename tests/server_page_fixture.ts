/**
 * The admin page browser tests' token and clock (2026-11-02T00:00:00Z), shared by the
 * server_page_*_test.ts files.
 */
export const TOKEN = "page-test-token-0123456789-abcdef-0000";
export const START = Date.parse("2026-11-02T00:00:00Z");
