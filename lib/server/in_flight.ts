/**
 * The requests being answered and the downloads being sent: what a stop waits for before it lets
 * the server's connections go (lib/server/main.ts), and the downloads whose clients stopped
 * reading, which the stop does not wait for.
 */

/** A download being sent, as a stop sees it (lib/server/stream.ts guardedBody). */
export interface Download {
  /** the file's name, for the log */
  readonly name: string;
  /**
   * Since when (performance.now()) its client has had a chunk to take and has not taken it; null
   * while the next chunk is being made (the server's wait, not the client's).
   */
  readonly waitingSince: number | null;
  /** Ends it: its body errors (the client never gets a file that looks whole) and it ends. */
  close(): void;
}

/** What a stop does with a download whose client took nothing for `ms`: close it, then say so. */
export interface StalledDownloads {
  ms: number;
  onClosed: (download: Download) => void;
}

export class InFlight {
  #count = 0;
  #waiting: (() => void)[] = [];
  readonly #downloads = new Set<Download>();

  get count(): number {
    return this.#count;
  }

  /** One more in flight; the function returned ends it (once, however often it is called). */
  hold(): () => void {
    this.#count++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      if (--this.#count === 0) { for (const resolve of this.#waiting.splice(0)) resolve(); }
    };
  }

  /** A download to watch (it is also held) until the function returned is called. */
  watch(download: Download): () => void {
    this.#downloads.add(download);
    return () => this.#downloads.delete(download);
  }

  /**
   * Resolves once none is in flight. With `stalled`, meanwhile, a download whose client has not
   * taken its chunk for `stalled.ms` is closed: a client that stopped reading (its connection
   * open, its socket's buffers full) would otherwise hold the stop for ever.
   */
  idle(stalled?: StalledDownloads): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    const idle = new Promise<void>((resolve) => this.#waiting.push(resolve));
    if (stalled) {
      // checked every second at most: closed between `ms` and a second past it
      const timer = setInterval(() => {
        const now = performance.now();
        for (const download of this.#downloads) {
          const since = download.waitingSince;
          if (since === null || now - since < stalled.ms) continue;
          this.#downloads.delete(download);
          stalled.onClosed(download);
          download.close();
        }
      }, Math.min(1_000, stalled.ms));
      idle.then(() => clearInterval(timer));
    }
    return idle;
  }
}
