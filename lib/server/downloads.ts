/**
 * Downloads that cost memory once, not once per request: the CSV and the XLSX of a cached run are
 * made once and their bytes are shared by every download (the first one still streams as they are
 * made), and XLSX renders, which hold a workbook each, take a slot from a small pool.
 */

/**
 * Chunks of one serialisation, made on demand by whichever reader is furthest ahead and kept for
 * the others. A writer that fails errors every reader; `failed` tells the owner to drop it.
 */
export class SharedChunks {
  readonly #chunks: Uint8Array[] = [];
  readonly #encoder = new TextEncoder();
  #source: Iterator<string> | null = null;
  #finished = false;
  #error: unknown = null;

  /** `make` is called once, on the first read. */
  constructor(private readonly make: () => Iterable<string>) {}

  get failed(): boolean {
    return this.#error !== null;
  }

  /** The chunk at `index`, made if nobody made it yet; null after the last one. */
  #at(index: number): Uint8Array | null {
    while (index >= this.#chunks.length) {
      if (this.#error !== null) throw this.#error;
      if (this.#finished) return null;
      try {
        this.#source ??= this.make()[Symbol.iterator]();
        const next = this.#source.next();
        if (next.done) this.#finished = true;
        else this.#chunks.push(this.#encoder.encode(next.value));
      } catch (error) {
        this.#error = error;
        throw error;
      }
    }
    return this.#chunks[index];
  }

  /** A new reader from the first byte; it pulls one chunk at a time as its client reads. */
  stream(): ReadableStream<Uint8Array> {
    let index = 0;
    return new ReadableStream<Uint8Array>({
      pull: (controller) => {
        const chunk = this.#at(index++); // a throw errors the stream
        if (chunk === null) controller.close();
        else controller.enqueue(chunk);
      },
    }, { highWaterMark: 0 });
  }
}

/**
 * The bytes of one asynchronous rendering (the XLSX writer's stream), pumped into memory once and
 * read by every download from the first byte; a reader that caught up waits for the next chunk.
 * The render runs to its end even when its first client goes away, for the next ones.
 */
export class SharedRender {
  readonly #chunks: Uint8Array[] = [];
  #finished = false;
  #error: unknown = null;
  #waiters: (() => void)[] = [];
  #started = false;

  /** `render` is called once, on the first read; `onSettled` when it ends or fails. */
  constructor(
    private readonly render: () => ReadableStream<Uint8Array>,
    private readonly onSettled: () => void = () => {},
  ) {}

  get failed(): boolean {
    return this.#error !== null;
  }

  async #pump(): Promise<void> {
    try {
      for await (const chunk of this.render()) {
        this.#chunks.push(chunk);
        this.#wake();
      }
      this.#finished = true;
    } catch (error) {
      this.#error = error ?? new Error("render failed");
    } finally {
      this.onSettled();
      this.#wake();
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  async #at(index: number): Promise<Uint8Array | null> {
    if (!this.#started) {
      this.#started = true;
      void this.#pump();
    }
    while (index >= this.#chunks.length) {
      if (this.#error !== null) throw this.#error;
      if (this.#finished) return null;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    return this.#chunks[index];
  }

  /** A new reader from the first byte. */
  stream(): ReadableStream<Uint8Array> {
    let index = 0;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const chunk = await this.#at(index++);
        if (chunk === null) controller.close();
        else controller.enqueue(chunk);
      },
    }, { highWaterMark: 0 });
  }
}

/** At most `size` holders at once; the others wait in order. */
export class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    this.#free = size;
  }

  /** Resolves with a release function (calling it twice releases once). */
  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}
