/**
 * The requests being answered and the downloads being sent: what a stop waits for before it lets
 * the server's connections go (lib/server/main.ts).
 */
export class InFlight {
  #count = 0;
  #waiting: (() => void)[] = [];

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

  /** Resolves once none is in flight. */
  idle(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}
