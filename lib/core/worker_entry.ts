/**
 * True when this module is the entry module of a worker thread. Both halves matter: a worker module
 * imported by another worker (not its entry) must not take over that worker's message handler.
 */
export function isWorkerEntry(meta: ImportMeta): boolean {
  return meta.main &&
    typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === "function";
}
