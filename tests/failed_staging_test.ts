/**
 * A failed run's staging folder (lib/formats/failed_staging.ts): tried again while the process is
 * out of file descriptors or a last file lands in it, left to the next run otherwise. CI found a
 * `deno task export` under `ulimit -n 40` leaving its `.staging-…` folder once in a whole run.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { removeFailedStaging } from "../lib/formats/failed_staging.ts";

async function stagingWithFiles(): Promise<{ out: string; staging: string }> {
  const out = await Deno.makeTempDir({ prefix: "failed_staging_" });
  const staging = join(out, ".staging-0123456789abcdef");
  await Deno.mkdir(staging);
  await Deno.writeTextFile(join(staging, "helicone_pricing_data.csv"), "org_id\n");
  await Deno.writeTextFile(join(staging, "chart.png"), "png");
  return { out, staging };
}

/** Node's and Deno's ways of saying the process is out of descriptors. */
const OUT_OF_DESCRIPTORS = [
  Object.assign(new Error("EMFILE: too many open files, scandir"), { code: "EMFILE" }),
  new Error("Too many open files (os error 24)"),
];

Deno.test("a failed run's staging folder out of descriptors: tried again until it goes", async () => {
  const { out, staging } = await stagingWithFiles();
  try {
    let calls = 0;
    await removeFailedStaging(() => {
      calls++;
      if (calls <= OUT_OF_DESCRIPTORS.length) throw OUT_OF_DESCRIPTORS[calls - 1];
      return Promise.resolve(staging);
    });
    assertEquals(calls, 3);
    assertEquals([...Deno.readDirSync(out)].map((e) => e.name), []);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a failed run's staging folder: another failure is not tried again, the folder stays for the next run", async () => {
  const { out, staging } = await stagingWithFiles();
  try {
    let calls = 0;
    await removeFailedStaging(() => {
      calls++;
      throw new Deno.errors.PermissionDenied("Permission denied (os error 13)");
    });
    assertEquals(calls, 1);
    assertEquals([...Deno.readDirSync(out)].map((e) => e.name), [".staging-0123456789abcdef"]);
    await removeFailedStaging(() => Promise.resolve(staging));
    assertEquals([...Deno.readDirSync(out)].map((e) => e.name), []);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a failed run's staging folder still out of descriptors past the retry time: given up, the folder stays for the next run", async () => {
  const { out } = await stagingWithFiles();
  try {
    // every removal out of descriptors; a try past any bound's worth is a permission error, so a
    // removal that kept trying for ever ends (and fails the test) instead of hanging it: at most
    // 200 ms between tries, FAILED_STAGING_RETRY_MS of 2 s holds some 15 tries, far fewer than 100
    let calls = 0;
    await removeFailedStaging(() => {
      calls++;
      if (calls >= 100) throw new Deno.errors.PermissionDenied("Permission denied (os error 13)");
      throw OUT_OF_DESCRIPTORS[calls % 2];
    });
    ok(calls > 1 && calls < 100, `tried ${calls} times`);
    assertEquals([...Deno.readDirSync(out)].map((e) => e.name), [".staging-0123456789abcdef"]);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a failed run's staging folder that a last file landed in as it went (not empty): tried again until it goes", async () => {
  const { out, staging } = await stagingWithFiles();
  try {
    // Node's and Deno's words for a folder removed while a worker's last write lands in it
    const NOT_EMPTY = [
      Object.assign(new Error("ENOTEMPTY: directory not empty, rmdir '…'"), { code: "ENOTEMPTY" }),
      new Error("Directory not empty (os error 39)"),
    ];
    let calls = 0;
    await removeFailedStaging(() => {
      calls++;
      if (calls <= NOT_EMPTY.length) throw NOT_EMPTY[calls - 1];
      return Promise.resolve(staging);
    });
    assertEquals(calls, 3);
    assertEquals([...Deno.readDirSync(out)].map((e) => e.name), []);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
