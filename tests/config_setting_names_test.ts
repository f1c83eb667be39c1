/**
 * Setting names: .env.example as shipped, documented and the kit's list of settings; unknown,
 * mis-cased and repeated names in a settings file or the environment warned of, never their values.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { loadEnv, parseDotEnv, sourceSettings } from "../lib/core/config.ts";
import { SETTING_NAMES } from "../lib/core/setting_names.ts";
import { join } from "node:path";

const ENV_EXAMPLE = new URL("../.env.example", import.meta.url);

const SETTING_NAME = /\b(?:PRICING|STRIPE)_[A-Z0-9_]*[A-Z0-9]\b/g;

/** README.md and every docs/*.md page. */
async function documentation(): Promise<{ name: string; text: string }[]> {
  const pages = [{
    name: "README.md",
    text: await Deno.readTextFile(new URL("../README.md", import.meta.url)),
  }];
  for await (const entry of Deno.readDir(new URL("../docs/", import.meta.url))) {
    if (!entry.name.endsWith(".md")) continue;
    const text = await Deno.readTextFile(new URL(`../docs/${entry.name}`, import.meta.url));
    pages.push({ name: `docs/${entry.name}`, text });
  }
  return pages;
}

/** The settings .env.example names on a `KEY=` line, commented out or not. */
function exampleSettings(text: string): Set<string> {
  return new Set(
    text.split("\n").map((line) => /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined),
  );
}

Deno.test(".env.example as shipped exports demo data; uncommented, no setting reads a comment", async () => {
  const text = await Deno.readTextFile(ENV_EXAMPLE);
  // cp .env.example .env && deno task export gives the demo export README promises
  const shipped = parseDotEnv(text);
  assertEquals(Object.keys(shipped), []);
  assertEquals(sourceSettings(shipped), null);
  // every `# KEY=…` line uncommented, as a user would: values, never the line's comment
  const uncommented = parseDotEnv(text.replace(/^# ([A-Z][A-Z0-9_]*=)/gm, "$1"));
  assertEquals(new Set(Object.keys(uncommented)), exampleSettings(text));
  for (const [name, value] of Object.entries(uncommented)) {
    assertEquals(value?.includes("#"), false, `${name}=${value}`);
  }
  assertEquals(uncommented.PRICING_SERVER_TOKEN, "");
  assertEquals(uncommented.PRICING_INFRA_USD_PER_GB_STORED, "");
});

Deno.test("every setting .env.example names is documented, and every settings table's setting is in it", async () => {
  const example = exampleSettings(await Deno.readTextFile(ENV_EXAMPLE));
  const pages = await documentation();
  const documented = new Set(pages.flatMap(({ text }) => text.match(SETTING_NAME) ?? []));
  assertEquals([...example].filter((name) => !documented.has(name)), []);
  // a settings table's row: its first cell names the setting(s), `PRICING_…` or `STRIPE_…`
  const tabled = pages.flatMap(({ name, text }) =>
    text.split("\n").flatMap((line) => {
      const cell = /^\|\s*(`(?:PRICING|STRIPE)_[^|]*)\|/.exec(line)?.[1] ?? "";
      return (cell.match(SETTING_NAME) ?? []).map((setting) => `${setting} (${name})`);
    })
  );
  ok(tabled.length > 50, `${tabled.length} table settings found`);
  assertEquals(tabled.filter((entry) => !example.has(entry.split(" ")[0])), []);
});

Deno.test("the kit's list of settings is .env.example's", async () => {
  const example = exampleSettings(await Deno.readTextFile(ENV_EXAMPLE));
  assertEquals(new Set(SETTING_NAMES), example);
});

Deno.test("a settings file's PRICING_ name that is no setting is warned of, with the nearest one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "typos.env");
    await Deno.writeTextFile(
      file,
      [
        "PRICING_PG_URI=postgres://x", // a typo of PRICING_PG_URL
        "PRICING_CLICKHOUSE_URL=http://x", // no setting is near it
        "STRIPE_SECRET_KY=sk_test_x", // a typo of STRIPE_SECRET_KEY
        "STRIPE_PUBLISHABLE_KEY=pk_test_x", // the app's own key in a shared file: not a typo
        "PRICING_RETENTION_DAYS=30", // a setting
      ].join("\n"),
    );
    const warned: string[] = [];
    const env = await loadEnv(file, { warn: (line) => warned.push(line) });
    assertEquals(warned, [
      `${file}: PRICING_PG_URI is not a pricing-kit setting and is ignored (did you mean PRICING_PG_URL?); the settings are listed in .env.example`,
      `${file}: PRICING_CLICKHOUSE_URL is not a pricing-kit setting and is ignored; the settings are listed in .env.example`,
      `${file}: STRIPE_SECRET_KY is not a pricing-kit setting and is ignored (did you mean STRIPE_SECRET_KEY?); the settings are listed in .env.example`,
    ]);
    assertEquals(env.PRICING_RETENTION_DAYS, "30");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a settings file's lower- or mixed-case PRICING_ name is warned of as PRICING_PG_URI is: names are upper case", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "cased.env");
    await Deno.writeTextFile(
      file,
      ["pricing_pg_url=postgres://x", "Pricing_Clickhouse_Url=http://x", "stripe_secret_key=sk"]
        .join("\n"),
    );
    const warned: string[] = [];
    const env = await loadEnv(file, { warn: (line) => warned.push(line) });
    assertEquals(warned, [
      `${file}: pricing_pg_url is not a pricing-kit setting and is ignored (did you mean PRICING_PG_URL? names are upper case); the settings are listed in .env.example`,
      `${file}: Pricing_Clickhouse_Url is not a pricing-kit setting and is ignored (names are upper case); the settings are listed in .env.example`,
      `${file}: stripe_secret_key is not a pricing-kit setting and is ignored (did you mean STRIPE_SECRET_KEY? names are upper case); the settings are listed in .env.example`,
    ]);
    assertEquals(env.PRICING_PG_URL, Deno.env.get("PRICING_PG_URL"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a setting given twice in a settings file is warned of: both lines and which wins (the last, or the environment)", async () => {
  const dir = await Deno.makeTempDir();
  const names = ["PRICING_RETENTION_DAYS", "PRICING_SMTP_PORT"];
  const before = names.map((name) => Deno.env.get(name));
  try {
    const file = join(dir, "twice.env");
    await Deno.writeTextFile(
      file,
      [
        "PRICING_RETENTION_DAYS=30",
        "# a comment",
        "DATABASE_URL=a", // the app's own key, repeated: not the kit's
        "PRICING_RETENTION_DAYS=7",
        "DATABASE_URL=b",
        "PRICING_SMTP_PORT=25",
        "PRICING_SMTP_PORT=465",
        "PRICING_SMTP_PORT=587",
      ].join("\n"),
    );
    const warned: string[] = [];
    Deno.env.delete("PRICING_RETENTION_DAYS");
    let env = await loadEnv(file, { warn: (line) => warned.push(line) });
    assertEquals(warned, [
      `${file}: PRICING_RETENTION_DAYS is set on lines 1 and 4; line 4's value is used: keep one of them`,
      `${file}: PRICING_SMTP_PORT is set on lines 6, 7 and 8; line 8's value is used: keep one of them`,
    ]);
    assertEquals(env.PRICING_RETENTION_DAYS, "7");
    // the environment wins over the file: said so
    Deno.env.set("PRICING_RETENTION_DAYS", "90");
    warned.length = 0;
    env = await loadEnv(file, { warn: (line) => warned.push(line) });
    assertEquals(
      warned[0],
      `${file}: PRICING_RETENTION_DAYS is set on lines 1 and 4; the environment's value is used (it wins over the file): keep one of them`,
    );
    assertEquals(warned.length, 2);
    assertEquals(env.PRICING_RETENTION_DAYS, "90");
  } finally {
    names.forEach((name, i) =>
      before[i] === undefined ? Deno.env.delete(name) : Deno.env.set(name, before[i]!)
    );
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a PRICING_ name in the environment that is no setting is warned of once, with the setting meant, never its value", async () => {
  const given = {
    PRICING_PG_ULR: "postgres://reader:EnvSecret1@db:5432/postgres", // a typo of PRICING_PG_URL
    pricing_smtp_port: "587", // names are upper case
    PRICING_CLICKHOUSE_URL: "http://reader:EnvSecret2@ch:8123", // no setting is near it
    PRICING_SEGMENT_X: "1", // given in the file too: warned of as the file's, once
    STRIPE_PUBLISHABLE_KEY: "pk_test_EnvSecret3", // the app's own: STRIPE_ names are not checked
  };
  const dir = await Deno.makeTempDir();
  try {
    for (const [name, value] of Object.entries(given)) Deno.env.set(name, value);
    const file = join(dir, "s.env");
    await Deno.writeTextFile(file, "PRICING_SEGMENT_X=2\n");
    const warned: string[] = [];
    await loadEnv(file, { warn: (line) => warned.push(line) });
    const ours = (line: string) => Object.keys(given).some((name) => line.includes(name));
    assertEquals(warned.filter(ours), [
      `${file}: PRICING_SEGMENT_X is not a pricing-kit setting and is ignored; the settings are listed in .env.example`,
      "the environment's PRICING_CLICKHOUSE_URL is not a pricing-kit setting and is ignored; the settings are listed in .env.example",
      "the environment's PRICING_PG_ULR is not a pricing-kit setting and is ignored (did you mean PRICING_PG_URL?); the settings are listed in .env.example",
      "the environment's pricing_smtp_port is not a pricing-kit setting and is ignored (did you mean PRICING_SMTP_PORT? names are upper case); the settings are listed in .env.example",
    ]);
    ok(!warned.some((line) => line.includes("EnvSecret")), warned.join("\n"));
    // the test harness's own names (tests/run.ts's PRICING_TEST_…) are not typos
    ok(!warned.some((line) => line.includes("PRICING_TEST_")), warned.join("\n"));
    // once per process: a server reads the settings for each run
    warned.length = 0;
    await loadEnv(file, { warn: (line) => warned.push(line) });
    assertEquals(warned.filter(ours), [
      `${file}: PRICING_SEGMENT_X is not a pricing-kit setting and is ignored; the settings are listed in .env.example`,
    ]);
  } finally {
    for (const name of Object.keys(given)) Deno.env.delete(name);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a setting the file gives once and the environment gives another value is warned of, naming the line, never the values", async () => {
  const dir = await Deno.makeTempDir();
  const names = ["PRICING_PG_URL", "PRICING_RETENTION_DAYS", "PRICING_SMTP_PORT"];
  const before = names.map((name) => Deno.env.get(name));
  try {
    const file = join(dir, "s.env");
    await Deno.writeTextFile(
      file,
      [
        "PRICING_PG_URL=postgres://reader:FileSecret@db:5432/postgres",
        "PRICING_RETENTION_DAYS=30",
        "PRICING_SMTP_PORT=587",
      ].join("\n"),
    );
    // a URL exported in the shell long before: it wins, and an error then named PRICING_PG_URL,
    // whose line in .env was right
    Deno.env.set("PRICING_PG_URL", "postgres://reader:ShellSecret@old:5432/postgres");
    Deno.env.set("PRICING_RETENTION_DAYS", "30"); // the same value: nothing to say
    Deno.env.delete("PRICING_SMTP_PORT");
    const warned: string[] = [];
    const env = await loadEnv(file, { warn: (line) => warned.push(line) });
    assertEquals(warned, [
      `${file}: PRICING_PG_URL on line 1 is overridden by the environment's PRICING_PG_URL, another value (the environment wins over the file): unset it in the environment (unset PRICING_PG_URL) or remove the line`,
    ]);
    assertEquals(env.PRICING_PG_URL, "postgres://reader:ShellSecret@old:5432/postgres");
  } finally {
    names.forEach((name, i) =>
      before[i] === undefined ? Deno.env.delete(name) : Deno.env.set(name, before[i]!)
    );
    await Deno.remove(dir, { recursive: true });
  }
});
