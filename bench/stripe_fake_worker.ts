/**
 * The fake Stripe API on its own thread, for bench/stripe.ts: a real Stripe's work happens on
 * Stripe's machines, so the fake's must not compete with the kit for the benchmark's thread.
 * Messages: {start: {data, apiKey, latencyMs}} → {port}; {stats: true} → {requests, peak};
 * {close: true} → {closed: true}.
 */
/// <reference lib="deno.worker" />
import { type FakeStripe, startFakeStripe } from "../tests/fake_stripe.ts";

let fake: FakeStripe | null = null;
self.onmessage = async (event: MessageEvent) => {
  const message = event.data;
  if (message.start) {
    const { data, apiKey, latencyMs } = message.start;
    fake = startFakeStripe(data, apiKey, latencyMs);
    self.postMessage({ port: fake.port });
  } else if (message.stats && fake) {
    self.postMessage({ requests: fake.requests.length, peak: fake.peakInFlight() });
  } else if (message.close && fake) {
    await fake.close();
    self.postMessage({ closed: true });
  }
};
