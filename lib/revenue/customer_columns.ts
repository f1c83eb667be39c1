/**
 * Revenue per customer as plain columns, without Polars: the revenue worker (worker_entry.ts)
 * builds them and moves the typed arrays to the main thread, which makes the frame
 * (customers.ts). Numbers as typed arrays, the text and flag columns (a handful of distinct
 * values) as a dictionary and a code per row.
 */
import type { CustomerRevenue } from "./types.ts";

/** Every CustomerRevenue field and its kind of column (the compiler checks none is missing). */
export const CUSTOMER_FIELD_KINDS = {
  customerId: "text",
  mrr: "number",
  baseSubscription: "number",
  usageCharges: "number",
  addonPrompts: "number",
  addonOther: "number",
  mrrRecurring: "number",
  subscriptionStatus: "text",
  billingInterval: "text",
  currency: "text",
  stripePlanNames: "text",
  cancelAtPeriodEnd: "flag",
  ptbRevenueUsd30d: "number",
} as const satisfies Record<keyof CustomerRevenue, "text" | "number" | "flag">;

export type CustomerField = keyof typeof CUSTOMER_FIELD_KINDS;
export const CUSTOMER_FIELD_NAMES = Object.keys(CUSTOMER_FIELD_KINDS) as CustomerField[];

/** The customers of a Map as plain columns (see the module's comment). */
export interface CustomerColumns {
  customerIds: string[];
  numbers: { field: CustomerField; values: Float64Array; present: Uint8Array | null }[];
  coded: { field: CustomerField; dictionary: unknown[]; codes: Uint32Array }[];
}

/** CustomerColumns of `byCustomer`, in the Map's order. */
export function customerColumns(byCustomer: Map<string, CustomerRevenue>): CustomerColumns {
  const customers = [...byCustomer.values()];
  const columns: CustomerColumns = {
    customerIds: customers.map((c) => c.customerId),
    numbers: [],
    coded: [],
  };
  for (const field of CUSTOMER_FIELD_NAMES) {
    if (field === "customerId") continue;
    if (CUSTOMER_FIELD_KINDS[field] === "number") {
      columns.numbers.push(numberValues(field, customers));
    } else columns.coded.push(codedValues(field, customers));
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

/** A number field's values (0 where null) and where they are present (null: everywhere). */
function numberValues(
  field: CustomerField,
  customers: CustomerRevenue[],
): CustomerColumns["numbers"][0] {
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

/**
 * A field of few distinct values: each value once, in a dictionary (null first), and a code per
 * row.
 */
function codedValues(
  field: CustomerField,
  customers: CustomerRevenue[],
): CustomerColumns["coded"][0] {
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
