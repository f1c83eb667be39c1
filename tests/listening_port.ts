/**
 * The TCP port a process, or a process it started (`deno task`'s `deno run`), listens on, read
 * from /proc (Linux): for a server started with `--port 0` whose "listening on" line the test
 * cannot read. A port picked free and passed to it could be bound by another process first.
 */

/** The port, or null while none of them listens yet (or they have ended). */
export function listeningPort(pid: number): number | null {
  const listening = new Map<string, number>(); // socket inode → its port, of every listening socket
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readOrEmpty(table).split("\n").slice(1)) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (state === "0A") listening.set(inode, parseInt(local.split(":").at(-1)!, 16)); // LISTEN
    }
  }
  for (const id of withDescendants(pid)) {
    for (const fd of readDirOrEmpty(`/proc/${id}/fd`)) {
      const inode = /^socket:\[(\d+)\]$/.exec(readLinkOrEmpty(`/proc/${id}/fd/${fd}`))?.[1];
      if (inode !== undefined && listening.has(inode)) return listening.get(inode)!;
    }
  }
  return null;
}

function withDescendants(pid: number): number[] {
  const children = readDirOrEmpty(`/proc/${pid}/task`).flatMap((thread) =>
    readOrEmpty(`/proc/${pid}/task/${thread}/children`).trim().split(/\s+/)
  ).filter(Boolean).map(Number);
  return [pid, ...children.flatMap(withDescendants)];
}

// (a process may end while it is read: what it had is gone with it)
function readOrEmpty(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

function readDirOrEmpty(path: string): string[] {
  try {
    return [...Deno.readDirSync(path)].map((entry) => entry.name);
  } catch {
    return [];
  }
}

function readLinkOrEmpty(path: string): string {
  try {
    return Deno.readLinkSync(path);
  } catch {
    return "";
  }
}
