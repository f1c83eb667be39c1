/** The as-of the demo export tests (tests/export_demo*_test.ts) export at. */

export const asOf = new Date("2026-11-01T00:00:00Z");
