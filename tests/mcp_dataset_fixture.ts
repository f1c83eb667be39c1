/**
 * What tests/mcp_dataset_*_test.ts share: a demo export written for a date, and an SDK client on
 * a server in this process.
 */
import { runExport } from "../lib/export.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { connectInMemory } from "./mcp_client.ts";

export function writeDemo(dir: string, asOf: string, formats: ("csv" | "xlsx")[]) {
  return runExport({
    outDir: dir,
    demo: true,
    asOf: new Date(asOf),
    formats,
    charts: false,
    quiet: true,
    log: () => {},
    env: {},
  });
}

/** An SDK client on a server over `store`, in this process. */
export function connect(store: DatasetStore) {
  return connectInMemory(store);
}
