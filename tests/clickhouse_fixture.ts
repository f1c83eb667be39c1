/** The as-of date the ClickHouse tests (tests/clickhouse*_test.ts) export at. */

export const asOf = new Date("2026-11-01T00:00:00Z");
