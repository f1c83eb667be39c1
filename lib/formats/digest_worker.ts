/**
 * Files' sizes and SHA-256, hashed in a worker. At a million organizations the CSV and its
 * trimmed copy are ~370 MB: ~0.4 s of hashing that the main thread did for the manifest after
 * the brief. Started as the files are written, the worker hashes them beside the brief, on the
 * core the chart and CSV workers have left.
 */
import { type FileDigest, fileDigest } from "./files.ts";
import { isWorkerEntry } from "../core/worker_entry.ts";

/**
 * Each path's digest, hashed in a worker started now. Never rejects: a path the worker could not
 * read (a file removed meanwhile), or all of them when the worker failed, is left out, and the
 * manifest hashes it itself.
 */
export function digestOffThread(paths: string[]): Promise<Map<string, FileDigest>> {
  const worker = new Worker(import.meta.url, { type: "module" });
  return new Promise((resolve) => {
    const done = (digests: [string, FileDigest][]) => {
      worker.terminate();
      resolve(new Map(digests));
    };
    worker.onmessage = (event: MessageEvent<[string, FileDigest][]>) => done(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      done([]);
    };
    worker.postMessage(paths);
  });
}

// In the worker: one list of paths, one reply.
if (isWorkerEntry(import.meta)) {
  const scope = globalThis as unknown as {
    onmessage: (event: MessageEvent<string[]>) => void;
    postMessage: (reply: [string, FileDigest][]) => void;
  };
  scope.onmessage = async (event) => {
    const digests: [string, FileDigest][] = [];
    for (const path of event.data) {
      try {
        digests.push([path, await fileDigest(path)]);
      } catch { /* left to the manifest */ }
    }
    scope.postMessage(digests);
  };
}
