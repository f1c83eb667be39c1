/**
 * lib/sources/demo.ts: the demo's members who signed in follow the export's window, as production's
 * last_sign_in_at does (before, a 7-day export had as many active users as a 30-day one).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { activeUsersInWindow, demoQueryResults } from "../lib/sources/demo.ts";

Deno.test("activeUsersInWindow: fewer members in a shorter window, more in a longer one, never past the seats", () => {
  const org = { activeUsers30d: 5, seats: 10, lifeDays: 1000 };
  // half the seats signed in within 30 days: within x days 1 − 0.5^(x/30) of them
  assertEquals(activeUsersInWindow({ ...org, days: 30 }), 5);
  // 7 days: (1 − 0.5^(7/30)) / 0.5 = 0.14933 / 0.5 = 0.29866 of 5 = 1.49 → 1
  assertEquals(activeUsersInWindow({ ...org, days: 7 }), 1);
  // 90 days: (1 − 0.5^3) / 0.5 = 1.75 of 5 = 8.75 → 9
  assertEquals(activeUsersInWindow({ ...org, days: 90 }), 9);
  // every seat active: every window has them all
  assertEquals(activeUsersInWindow({ activeUsers30d: 4, seats: 4, lifeDays: 1000, days: 7 }), 4);
  assertEquals(activeUsersInWindow({ activeUsers30d: 0, seats: 4, lifeDays: 1000, days: 90 }), 0);
});

Deno.test("activeUsersInWindow: an organization younger than both windows has the same members in each", () => {
  const young = { activeUsers30d: 5, seats: 10, lifeDays: 5 };
  assertEquals(activeUsersInWindow({ ...young, days: 7 }), 5);
  assertEquals(activeUsersInWindow({ ...young, days: 90 }), 5);
  // 3 of its 5 days: (1 − 0.5^(3/30)) / (1 − 0.5^(5/30)) = 0.06697 / 0.10910 = 0.6138 of 5 → 3
  assertEquals(activeUsersInWindow({ ...young, days: 3 }), 3);
});

Deno.test("the demo's active users follow the window: each organization's 7-day count ≤ 30-day ≤ 90-day ≤ seats", () => {
  const asOf = new Date("2026-11-01T00:00:00Z");
  const counts = (days: number) => {
    const orgs = demoQueryResults(asOf, days).frames.organizations;
    return {
      ids: orgs.getColumn("org_id").toArray() as string[],
      seats: orgs.getColumn("seats").toArray().map(Number),
      active: orgs.getColumn("active_users_30d").toArray().map(Number),
    };
  };
  const [week, month, quarter] = [counts(7), counts(30), counts(90)];
  assertEquals(week.ids, month.ids);
  assertEquals(quarter.ids, month.ids);
  for (let i = 0; i < month.ids.length; i++) {
    ok(week.active[i] <= month.active[i] && month.active[i] <= quarter.active[i]);
    ok(quarter.active[i] <= month.seats[i]);
  }
  const total = (c: { active: number[] }) => c.active.reduce((a, b) => a + b, 0);
  ok(
    total(week) < total(month) && total(month) < total(quarter),
    JSON.stringify([
      total(week),
      total(month),
      total(quarter),
    ]),
  );
});
