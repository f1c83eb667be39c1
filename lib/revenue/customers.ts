/**
 * Revenue per customer as a Polars frame: one row per customer, a column per CustomerRevenue
 * field (named as the field). The revenue worker (worker.ts) sends its columns to the main thread
 * (customerColumns: typed arrays, no Polars), which makes the frame the revenue and economics
 * columns read; a Map of objects, one per customer, is built only for callers that ask for
 * `byCustomer`.
 */
import pl from "nodejs-polars";
import type { CustomerRevenue, RevenueResult } from "./types.ts";

/** Every CustomerRevenue field and its column type (the compiler checks none is missing). */
export const CUSTOMER_FIELDS = {
  customerId: pl.Utf8,
  mrr: pl.Float64,
  baseSubscription: pl.Float64,
  usageCharges: pl.Float64,
  addonPrompts: pl.Float64,
  addonOther: pl.Float64,
  mrrRecurring: pl.Float64,
  subscriptionStatus: pl.Utf8,
  billingInterval: pl.Utf8,
  currency: pl.Utf8,
  stripePlanNames: pl.Utf8,
  cancelAtPeriodEnd: pl.Bool,
  ptbRevenueUsd30d: pl.Float64,
} satisfies Record<keyof CustomerRevenue, pl.DataType>;

type Field = keyof typeof CUSTOMER_FIELDS;
const FIELDS = Object.keys(CUSTOMER_FIELDS) as Field[];

/**
 * The customers of a Map as plain columns, without Polars (the revenue worker builds them and
 * moves the typed arrays to the main thread): numbers as typed arrays, the text and flag columns
 * (a handful of distinct values) as a dictionary and a code per row.
 */
export interface CustomerColumns {
  customerIds: string[];
  numbers: { field: Field; values: Float64Array; present: Uint8Array | null }[];
  coded: { field: Field; dictionary: unknown[]; codes: Uint32Array }[];
}

/** CustomerColumns of `byCustomer`, in the Map's order. */
export function customerColumns(byCustomer: Map<string, CustomerRevenue>): CustomerColumns {
  const customers = [...byCustomer.values()];
  const columns: CustomerColumns = {
    customerIds: customers.map((c) => c.customerId),
    numbers: [],
    coded: [],
  };
  for (const field of FIELDS) {
    if (field === "customerId") continue;
    if (CUSTOMER_FIELDS[field] === pl.Float64) columns.numbers.push(numberValues(field, customers));
    else columns.coded.push(codedValues(field, customers));
  }
  return columns;
}

/** The typed arrays' buffers of `columns` (to transfer them to another thread). */
export function customerColumnBuffers(columns: CustomerColumns): ArrayBuffer[] {
  return [
    ...columns.numbers.flatMap((c) => [c.values.buffer, ...(c.present ? [c.present.buffer] : [])]),
    ...columns.coded.map((c) => c.codes.buffer),
  ] as ArrayBuffer[];
}

/**
 * The customers as a frame, built column-wise. JS values cross into Polars one call per value,
 * so only the customer ids are sent that way; numbers go as typed arrays, coded columns as their
 * dictionary gathered by the codes.
 */
export function customersFrameOf(columns: CustomerColumns): pl.DataFrame {
  const numbers = new Map(columns.numbers.map((c) => [c.field, c]));
  const coded = new Map(columns.coded.map((c) => [c.field, c]));
  return pl.DataFrame(
    FIELDS.map((field) => {
      const type = CUSTOMER_FIELDS[field];
      if (field === "customerId") return pl.Series(field, columns.customerIds, type);
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

/** A number field's values (0 where null) and where they are present (null: everywhere). */
function numberValues(field: Field, customers: CustomerRevenue[]): CustomerColumns["numbers"][0] {
  const values = new Float64Array(customers.length);
  const present = new Uint8Array(customers.length);
  let nulls = 0;
  for (let row = 0; row < customers.length; row++) {
    const value = customers[row][field];
    if (value === null || value === undefined) nulls++;
    else {
      values[row] = value as number;
      present[row] = 1;
    }
  }
  return { field, values, present: nulls === 0 ? null : present };
}

/** A Float64 column from its values (nulls set afterwards, where a customer has none). */
function numberColumn({ field, values, present }: CustomerColumns["numbers"][0]): pl.Series {
  const column = pl.Series(field, values);
  if (!present) return column;
  return pl.DataFrame([column, pl.Series("present", present)])
    .select(pl.when(pl.col("present").eq(1)).then(pl.col(field)).otherwise(pl.lit(null)))
    .getColumn(field);
}

/** A field of few distinct values: each value once, in a dictionary (null first), and a code per row. */
function codedValues(field: Field, customers: CustomerRevenue[]): CustomerColumns["coded"][0] {
  const dictionary: unknown[] = [null];
  const codeOf = new Map<unknown, number>([[null, 0]]);
  const codes = new Uint32Array(customers.length);
  for (let row = 0; row < customers.length; row++) {
    const value = customers[row][field] ?? null;
    let code = codeOf.get(value);
    if (code === undefined) codeOf.set(value, code = dictionary.push(value) - 1);
    codes[row] = code;
  }
  return { field, dictionary, codes };
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
  const columns = FIELDS.map((field) => frame.getColumn(field).toArray());
  const byCustomer = new Map<string, CustomerRevenue>();
  const height = frame.height; // (a native call each time it is read)
  for (let row = 0; row < height; row++) {
    const customer = Object.fromEntries(
      FIELDS.map((field, i) => [field, columns[i][row]]),
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
