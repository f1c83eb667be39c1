/**
 * Where the bridge over the history folder's stored snapshots got to, kept in the folder
 * (`.bridge-state/`: an index and the frames as Arrow IPC files) so that an export with history
 * computes only its own step: the sums and movements of every stored month so far, the last
 * month's paying and paused customers (and whose pause is open) and when each customer first
 * paid. Every export
 * read and joined every stored month again (with twelve month-ends of a million organizations
 * ~1.8 s of its history stage); the stored months change once a month.
 *
 * The state counts for the snapshots it was made from, in order (names, sizes and the SHA-256 of
 * their last 64 KB, as sums_cache.ts): it is resumed when those are the first stored points of a
 * bridge, and made again otherwise (a month added after them resumes it; one replaced or put
 * before them does not). Storing it is best effort, like the sums. The folder is 0700 and its files
 * 0600, as the snapshots it is made of (private_files.ts).
 */
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import pl from "nodejs-polars";
import { ownedTempPath, ownerTagState } from "../formats/staging.ts";
import {
  createPrivateFileSync,
  PRIVATE_DIR_MODE,
  PRIVATE_FILE_MODE,
} from "../formats/private_files.ts";
import { type FileFingerprint, fingerprint, type ReadFrom, sameFingerprint } from "./sums_cache.ts";

/** Bumped whenever the state's frames or the steps that make them change (aggregate.ts). */
// 2: months keyed by the real as-of (periods.ts asOfKey); 3: the paused and resumed movements, the
// paused organizations (at 0) beside the paying ones in `previous` and statusOf: a state of 2
// would resume a pause's end as reactivation; 4: open_pause beside the last month's paying and
// paused organizations (bridge.ts openPauses): a state of 3 has none, and would resume a trial
// paused before its first payment, or a return after a churn, as `resumed`; 5: an as-of with
// milliseconds keyed with them (asOfKey): a state of 4 keyed 00:00:00.500 by its second; 6: a
// shared_customer organization's sums in its customer's plan (customer_plan.ts); 7: keyed by
// customer, not organization (bridge_keys.ts): a state of 6 holds organizations' keys and first
// payments, and would book a customer's revenue moving to its other organization as churn + new;
// 8: customers counted per movement (bridge.ts movementSums, planMovementSums): 7's sums have none;
// 9: fx_impact in the sums and the customers' currency beside the last month's (bridge_fx.ts), and
// otherBilledOf: 8's would resume without them
// 10: statusOf true only when every paying or paused customer has a status (a backfill marks the
// customers paused now): 9's was true when any had one
// 11: the per-currency bridge's sums (bridge_currency.ts currencySums): 10's has none
// 12: the stored native amounts (native_minor) beside the last month's customers, and
// derivedOf: 11's would derive the next month's start from USD
// 13: the plan sums' retained and kept (plan_bridge.ts RETENTION_SUMS): 12's have none
// 15: the cohorts' sums (cohorts.ts cohortSumsOf) and each customer's first plan beside its
// first_paid: 14's have neither
// 16: customers keyed by a dense id (customerIds, aggregate_customers.ts), not two hashes of the
// key: 15's frames have neither the ids nor the customer_id column
// 17: in a snapshot with plan versions an empty plan is (none), not the tier (plan_versions.ts):
// 16's customers and plan sums read it as the tier
// 18: a customer's organizations of equal cents give it the plan carryingOrder picks
// (bridge_keys.ts): 17's took whichever Polars's sort left first
const STATE_VERSION = 18;
const STATE_DIR = ".bridge-state";

/** The bridge's running state after some snapshots (aggregate.ts's bridgeSteps). */
export interface BridgeState {
  /** per snapshot from the second on: movement sums, plan movement sums, plan changes */
  moveSums: pl.DataFrame[];
  planSums: pl.DataFrame[];
  changeSums: pl.DataFrame[];
  /** per snapshot from the second on: the per-currency bridge's sums (bridge_currency.ts) */
  currencySums: pl.DataFrame[];
  /** per snapshot: company and per-plan sums, organizations */
  totals: pl.DataFrame[];
  planTotals: pl.DataFrame[];
  rowsOf: number[];
  /**
   * per snapshot: whether every paying or paused customer has a subscription_status (null: there
   * are none)
   */
  statusOf: (boolean | null)[];
  /** per snapshot: whether a paying customer is billed in another currency than USD (bridge_fx.ts) */
  otherBilledOf: boolean[];
  /**
   * per snapshot: whether a paying customer's amount in its currency is derived from USD (no
   * stored one: bridge_currency.ts derivesNativeAmounts)
   */
  derivedOf: boolean[];
  /**
   * the last snapshot's paying and paused customers (customer_id, plan as a category, cents,
   * is_paused, open_pause: its pause is open, bridge_pauses.ts openPauses; currency, FX rates and
   * the stored native amount: bridge_fx.ts FX_FIRST)
   */
  previous?: { payingOrPaused: pl.DataFrame; rows: number };
  /** each customer key met so far (customer) and its id (customer_id: withCustomerIds) */
  customerIds: pl.DataFrame;
  /**
   * customer_id, the index of the snapshot each customer first paid in, and the plan it paid on
   * then (cohort_plan)
   */
  firstPaid: pl.DataFrame;
  /** per snapshot: its paying customers' sums per cohort and first plan (cohorts.ts) */
  cohortSums: pl.DataFrame[];
  /**
   * the retention period's start snapshot (its idx) and its paying customers (customer_id, plan
   * as text, cents, currency: retention_period.ts periodStartOf)
   */
  periodStart?: { idx: number; paying: pl.DataFrame };
}

type Key = { name: string } & FileFingerprint;

/** The state's index (`state.json`); its frames are Arrow IPC files beside it. */
interface StoredIndex {
  version: number;
  snapshots: Key[];
  rowsOf: number[];
  statusOf: (boolean | null)[];
  otherBilledOf: boolean[];
  derivedOf: boolean[];
  previousRows: number | null;
  periodStartIdx: number | null;
}

/**
 * The state's frames, each list as one file (its frames concatenated: each holds its snapshots'
 * idx, and the bridge concatenates them anyway); the paying and paused organizations' plan as text
 * (a category read back is cast, as payingOrPausedOf casts it).
 */
const LISTS = [
  "moveSums",
  "planSums",
  "changeSums",
  "currencySums",
  "totals",
  "planTotals",
  "cohortSums",
] as const;
const PREVIOUS = "previousPayingOrPaused";
const PERIOD_START = "periodStart";
const CUSTOMER_IDS = "customerIds";

const stateDirOf = (paths: string[]) => join(dirname(paths[0]), STATE_DIR);
// the .ipc extension tells Polars' readIPC a path from inline bytes
const framePath = (dir: string, name: string) => join(dir, `${name}.ipc`);

/** framePath, made empty and 0600 for Polars's writer, which keeps that mode. */
function privateFramePath(dir: string, name: string): string {
  const path = framePath(dir, name);
  createPrivateFileSync(path);
  return path;
}

function keysOf(paths: string[]): Key[] | null {
  const keys: Key[] = [];
  for (const path of paths) {
    const print = fingerprint(path);
    if (!print) return null;
    keys.push({ name: basename(path), ...print });
  }
  return keys;
}

const sameKey = (a: Key, b: Key) => a.name === b.name && sameFingerprint(a, b);

/**
 * The state stored beside `paths` (stored snapshots, oldest first) when it was made from the
 * first of them, with how many it covers; null when there is none that fits.
 */
export function resumedBridgeState(paths: string[]): { state: BridgeState; covers: number } | null {
  if (paths.length === 0) return null;
  const dir = stateDirOf(paths);
  let index: StoredIndex;
  try {
    index = JSON.parse(Deno.readTextFileSync(join(dir, "state.json")));
  } catch {
    return null;
  }
  const covers = index?.snapshots?.length ?? 0;
  if (index?.version !== STATE_VERSION || covers === 0 || covers > paths.length) return null;
  const keys = keysOf(paths.slice(0, covers));
  if (!keys || !keys.every((key, i) => sameKey(key, index.snapshots[i]))) return null;
  try {
    const list = (name: (typeof LISTS)[number]) => {
      const path = framePath(dir, name);
      return existsSync(path) ? [pl.readIPC(path)] : [];
    };
    // the first snapshot's plan totals apart: the bridge leaves them out of the plans' totals
    const planTotals = list("planTotals");
    return {
      covers,
      state: {
        moveSums: list("moveSums"),
        planSums: list("planSums"),
        changeSums: list("changeSums"),
        currencySums: list("currencySums"),
        cohortSums: list("cohortSums"),
        totals: list("totals"),
        planTotals: planTotals.flatMap((frame) => [
          frame.filter(pl.col("idx").eq(0)),
          frame.filter(pl.col("idx").neq(0)),
        ]),
        rowsOf: index.rowsOf,
        statusOf: index.statusOf,
        otherBilledOf: index.otherBilledOf,
        derivedOf: index.derivedOf,
        previous: index.previousRows === null ? undefined : {
          payingOrPaused: pl.readIPC(framePath(dir, PREVIOUS))
            .withColumns(pl.col("plan").cast(pl.Categorical)),
          rows: index.previousRows,
        },
        customerIds: pl.readIPC(framePath(dir, CUSTOMER_IDS)),
        firstPaid: pl.readIPC(framePath(dir, "firstPaid")),
        periodStart: index.periodStartIdx === null ? undefined : {
          idx: index.periodStartIdx,
          paying: pl.readIPC(framePath(dir, PERIOD_START)),
        },
      },
    };
  } catch {
    return null; // damaged: made again
  }
}

/**
 * Stores `state`, made from the snapshots at `paths` (oldest first), beside them; not when one of
 * them was replaced since it was read (`from`: another run wrote its as-of), as the keys would be
 * the new file's.
 */
export function storeBridgeState(
  state: BridgeState,
  { paths, from }: { paths: string[]; from: ReadFrom },
): void {
  // fingerprinted, then checked: a file replaced before the check is not stored for
  const keys = keysOf(paths);
  if (!keys || paths.length === 0 || from.replaced()) return;
  const dir = stateDirOf(paths);
  removeDeadStateFolders(dirname(dir));
  const tmp = ownedTempPath(dir);
  try {
    Deno.mkdirSync(tmp, { mode: PRIVATE_DIR_MODE });
    for (const name of LISTS) {
      if (state[name].length > 0) {
        pl.concat(state[name], { how: "vertical" }).writeIPC(privateFramePath(tmp, name));
      }
    }
    if (state.previous) {
      state.previous.payingOrPaused.withColumns(pl.col("plan").cast(pl.Utf8))
        .writeIPC(privateFramePath(tmp, PREVIOUS));
    }
    state.customerIds.writeIPC(privateFramePath(tmp, CUSTOMER_IDS));
    state.firstPaid.writeIPC(privateFramePath(tmp, "firstPaid"));
    state.periodStart?.paying.writeIPC(privateFramePath(tmp, PERIOD_START));
    const index: StoredIndex = {
      version: STATE_VERSION,
      snapshots: keys,
      rowsOf: state.rowsOf,
      statusOf: state.statusOf,
      otherBilledOf: state.otherBilledOf,
      derivedOf: state.derivedOf,
      previousRows: state.previous?.rows ?? null,
      periodStartIdx: state.periodStart?.idx ?? null,
    };
    Deno.writeTextFileSync(join(tmp, "state.json"), JSON.stringify(index, null, 2) + "\n", {
      mode: PRIVATE_FILE_MODE,
    });
    // the old folder removed, the new one renamed into place: a crash between leaves no state
    // (made again next time), never a mix of two
    Deno.removeSync(dir, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound) || !existsSync(join(tmp, "state.json"))) {
      removeQuietly(tmp);
      return;
    }
  }
  try {
    if (from.replaced()) throw new Error("a snapshot was written again");
    Deno.renameSync(tmp, dir);
  } catch {
    removeQuietly(tmp);
  }
}

/**
 * The state folders killed runs were writing (`..bridge-state.<random>.<owner>.tmp`, ownedTempPath
 * of `.bridge-state`: a report or export ended before its rename, an MCP mrr_history's process
 * killed as its client left), which nothing else removes; a live run's, or one whose owner cannot
 * be told (another machine), stays. (Matched with one leading dot, none was ever removed.)
 */
function removeDeadStateFolders(historyDir: string): void {
  try {
    for (const entry of Deno.readDirSync(historyDir)) {
      const temp = entry.isDirectory && /^\.\.bridge-state\..+\.tmp$/.test(entry.name);
      if (temp && ownerTagState(entry.name) === "dead") {
        removeQuietly(join(historyDir, entry.name));
      }
    }
  } catch { /* the folder unreadable: the store below fails quietly too */ }
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path, { recursive: true });
  } catch { /* not there */ }
}
