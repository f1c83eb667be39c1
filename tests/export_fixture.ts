/**
 * The as-of and the fixture organizations' ids (tests/fixtures) the live export tests
 * (tests/export_test.ts, tests/export_stripe_test.ts) share.
 */
export const asOf = new Date("2026-11-01T00:00:00Z"); // window [2026-10-02T00:00:00Z, 2026-11-01T00:00:00Z)

export const A = "11111111-1111-4111-8111-111111111111";
export const B = "22222222-2222-4222-8222-222222222222";
export const C = "33333333-3333-4333-8333-333333333333";
export const E = "55555555-5555-4555-8555-555555555555";
