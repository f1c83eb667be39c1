/**
 * Revenue per customer as a Polars frame: one row per customer, a column per CustomerRevenue
 * field (named as the field). The revenue worker (worker_entry.ts) sends its columns to the main
 * thread (customer_columns.ts: typed arrays, no Polars), which makes the frame the revenue and
 * economics columns read; a Map of objects, one per customer, is built only for callers that ask
 * for `byCustomer`.
 */
import pl from "nodejs-polars";
import type { CustomerRevenue, RevenueResult } from "./types.ts";
import {
  CUSTOMER_FIELD_KINDS,
  CUSTOMER_FIELD_NAMES,
  type CustomerColumns,
  customerColumns,
} from "./customer_columns.ts";

/** Each kind of customer column's Polars type. */
const POLARS_TYPES = { text: pl.Utf8, number: pl.Float64, flag: pl.Bool } as const;

/**
 * The customers as a frame, built column-wise. JS values cross into Polars one call per value,
 * so only the customer ids are sent that way; numbers go as typed arrays, coded columns as their
 * dictionary gathered by the codes.
 */
export function customersFrameOf(columns: CustomerColumns): pl.DataFrame {
  return customersFrameWithIds(columns, pl.Series("customerId", columns.customerIds, pl.Utf8));
}

/**
 * customersFrameOf with the id column made already (the revenue worker's answer: gathered from
 * the ids it was sent, worker_ids.ts).
 */
export function customersFrameWithIds(
  columns: Omit<CustomerColumns, "customerIds">,
  customerIds: pl.Series,
): pl.DataFrame {
  const numbers = new Map(columns.numbers.map((c) => [c.field, c]));
  const coded = new Map(columns.coded.map((c) => [c.field, c]));
  return pl.DataFrame(
    CUSTOMER_FIELD_NAMES.map((field) => {
      const type = POLARS_TYPES[CUSTOMER_FIELD_KINDS[field]];
      if (field === "customerId") return customerIds.alias(field);
      const number = numbers.get(field);
      if (number) return numberColumn(number);
      return codedColumn({ ...coded.get(field)!, type });
    }),
  );
}

/** The customers of `byCustomer` as a frame, built column-wise, in the Map's order. */
export function customersToFrame(byCustomer: Map<string, CustomerRevenue>): pl.DataFrame {
  return customersFrameOf(customerColumns(byCustomer));
}

/** A Float64 column from its values (nulls set afterwards, where a customer has none). */
function numberColumn({ field, values, present }: CustomerColumns["numbers"][0]): pl.Series {
  const column = pl.Series(field, values);
  if (!present) return column;
  return pl.DataFrame([column, pl.Series("present", present)])
    .select(pl.when(pl.col("present").eq(1)).then(pl.col(field)).otherwise(pl.lit(null)))
    .getColumn(field);
}

function codedColumn(
  { field, type, dictionary, codes }: CustomerColumns["coded"][0] & { type: pl.DataType },
): pl.Series {
  return pl.DataFrame([pl.Series(field, dictionary, type)])
    .select(pl.col(field).gather(pl.Series("codes", codes)))
    .getColumn(field);
}

/** The frame's customers as a Map by customer id (customersToFrame's inverse). */
export function customersFromFrame(frame: pl.DataFrame): Map<string, CustomerRevenue> {
  const columns = CUSTOMER_FIELD_NAMES.map((field) => frame.getColumn(field).toArray());
  const byCustomer = new Map<string, CustomerRevenue>();
  const height = frame.height; // (a native call each time it is read)
  for (let row = 0; row < height; row++) {
    const customer = Object.fromEntries(
      CUSTOMER_FIELD_NAMES.map((field, i) => [field, columns[i][row]]),
    ) as unknown as CustomerRevenue;
    byCustomer.set(customer.customerId, customer);
  }
  return byCustomer;
}

/** A RevenueResult whose customers are `customers` (a customersToFrame frame). */
export function revenueWithCustomers(
  meta: Omit<RevenueResult, "byCustomer" | "customers">,
  customers: pl.DataFrame,
): RevenueResult {
  let byCustomer: Map<string, CustomerRevenue> | undefined;
  return {
    ...meta,
    customers,
    // Built on first use only: the export reads `customers`, and at a million organizations a
    // Map of 200k objects would stay on this thread's heap to the end of the export.
    get byCustomer() {
      return byCustomer ??= customersFromFrame(customers);
    },
  };
}

/** The customers of a result as a frame: its own, or one built from `byCustomer`. */
export function customersOf(revenue: RevenueResult): pl.DataFrame {
  return revenue.customers ?? customersToFrame(revenue.byCustomer);
}

/** How many customers have revenue in `revenue` (without building `byCustomer`). */
export function customerCount(revenue: RevenueResult): number {
  return revenue.customers?.height ?? revenue.byCustomer.size;
}

/** Whether any customer has a PTB revenue value (not null). */
export function someCustomerHasPtbRevenue(revenue: RevenueResult): boolean {
  if (!revenue.customers) {
    return [...revenue.byCustomer.values()].some((c) =>
      c.ptbRevenueUsd30d !== undefined && c.ptbRevenueUsd30d !== null
    );
  }
  const ptb = revenue.customers.getColumn("ptbRevenueUsd30d");
  return ptb.nullCount() < ptb.length;
}
