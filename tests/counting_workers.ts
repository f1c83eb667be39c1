/**
 * Workers started and terminated, and the messages posted to them that `counts` accepts, while
 * `run` runs (the global Worker is replaced meanwhile). `run` sees the counts as they grow.
 */
export interface WorkerCounts {
  started: number;
  messages: number;
  terminated: number;
}

export async function countingWorkers<T>(
  run: (counts: WorkerCounts) => Promise<T>,
  counts: (message: unknown) => boolean = () => true,
): Promise<WorkerCounts & { value?: T; error?: unknown }> {
  const RealWorker = globalThis.Worker;
  const seen: WorkerCounts = { started: 0, messages: 0, terminated: 0 };
  globalThis.Worker = class extends RealWorker {
    #terminated = false;
    constructor(...args: ConstructorParameters<typeof Worker>) {
      super(...args);
      seen.started++;
    }
    override postMessage(message: unknown, transfer?: Transferable[] | StructuredSerializeOptions) {
      if (counts(message)) seen.messages++;
      super.postMessage(message, transfer as StructuredSerializeOptions);
    }
    override terminate() {
      if (!this.#terminated) seen.terminated++;
      this.#terminated = true;
      super.terminate();
    }
  } as typeof Worker;
  try {
    return { value: await run(seen), ...seen };
  } catch (error) {
    return { error, ...seen };
  } finally {
    globalThis.Worker = RealWorker;
  }
}
