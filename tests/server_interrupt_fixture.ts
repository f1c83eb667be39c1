/**
 * A real `deno task serve` process on the test databases for the interrupt tests, shared by
 * server_interrupt_test.ts and server_interrupt_clients_test.ts.
 */
import { fileURLToPath } from "node:url";
import { waitFor } from "./slow_queries.ts";
import { HANG_GUARD_MS } from "./hang_guard.ts";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));
export const MAIN = fileURLToPath(new URL("../lib/server/main.ts", import.meta.url));
export const TOKEN = "interrupt-test-token-0123456789abcdef";

/**
 * The server on a free port with only `env` set; its stderr gathered as it comes. `deno run`
 * itself, or (`task`) `deno task -q serve` in a process group of its own (setsid: its pid is the
 * group's id), as a terminal, GNU timeout or systemd would signal it.
 */
export async function startServer(
  env: Record<string, string>,
  { task = false, demo = false } = {},
) {
  const command = task
    ? ["setsid", Deno.execPath(), "task", "-q", "serve"]
    : [Deno.execPath(), "run", "-A", MAIN];
  const child = new Deno.Command(command[0], {
    args: [
      ...command.slice(1),
      ...(demo ? ["--demo"] : []),
      "--port",
      "0",
      "--env-file",
      "/dev/null",
    ],
    cwd: ROOT,
    env: {
      NO_COLOR: "1",
      PATH: Deno.env.get("PATH") ?? "",
      PRICING_SERVER_TOKEN: TOKEN,
      PRICING_SERVER_STRIPE: "skip",
      ...env,
    },
    clearEnv: true,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  const reading = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) text += chunk;
  })();
  const exited = child.status.then(async (status) => {
    await reading;
    return status;
  });
  let gone = false;
  exited.then(() => gone = true);
  // (the whole group: `deno task`'s child too)
  const kill = () => task ? Deno.kill(-child.pid, "SIGKILL") : child.kill("SIGKILL");
  await waitFor("the server to listen", () => gone || /listening on /.test(text));
  const origin = /listening on (http:\/\/[^/\s]+)/.exec(text)?.[1];
  if (!origin) throw new Error(`the server did not start: ${text}`);
  return {
    child,
    origin,
    /** what it printed so far */
    text: () => text,
    exited,
    /** kills it if it still runs (a failed test's clean-up) */
    async end(): Promise<void> {
      if (!gone) kill();
      await exited;
    },
    /** whether it has exited */
    gone: () => gone,
    /** its exit status; past HANG_GUARD_MS it is killed and this fails (a guard, not a budget) */
    async exit(): Promise<Deno.CommandStatus> {
      try {
        await waitFor("the server to exit", () => gone, HANG_GUARD_MS);
      } finally {
        if (!gone) kill();
      }
      return await exited;
    },
  };
}
