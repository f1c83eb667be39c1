/**
 * lib/mcp/request_errors.ts: a request whose params do not have the protocol's shape gets −32602
 * in one line naming the field, over stdio (`deno task mcp`) and HTTP (`deno task serve`'s /mcp),
 * not the SDK's −32603 with a multi-line Zod dump; and JSON that is no JSON-RPC message at all
 * (`params` a string, `42`, `{}`, `[]`) gets −32600 with its id or id null, where the SDK's stdio
 * transport dropped it and its HTTP transport answered −32700 (202 and nothing to `[]`).
 */
import { deepStrictEqual as assertEquals, match } from "node:assert/strict";
import {
  invalidRequestAnswer,
  PARSE_ERROR_MESSAGE,
  plainParamError,
} from "../lib/mcp/request_errors.ts";
import { answerOf, exportsFolder, rawStdioSession, startServe, stdioClient } from "./mcp_client.ts";
import { denoCacheEnv } from "./env.ts";

/** What the SDK (1.32.2) answered tools/call with `arguments: "SELECT 1"` (its ZodError's text). */
const SDK_ANSWER = {
  jsonrpc: "2.0",
  id: 7,
  error: {
    code: -32603,
    message: JSON.stringify(
      [{
        expected: "record",
        code: "invalid_type",
        path: ["params", "arguments"],
        message: "Invalid input: expected record, received string",
      }],
      null,
      2,
    ),
  },
};

const PLAIN_ANSWER = {
  jsonrpc: "2.0",
  id: 7,
  error: {
    code: -32602,
    message: "invalid request params: params.arguments: expected an object, received string",
  },
};

Deno.test("plainParamError: the SDK's Zod dump becomes one line; other answers go out as they are", () => {
  assertEquals(plainParamError(SDK_ANSWER), PLAIN_ANSWER);
  const internal = { jsonrpc: "2.0", id: 1, error: { code: -32603, message: "[not json" } };
  assertEquals(plainParamError(internal), internal);
  const result = { jsonrpc: "2.0", id: 2, result: { content: [] } };
  assertEquals(plainParamError(result), result);
  const notFound = { jsonrpc: "2.0", id: 3, error: { code: -32602, message: "[1]" } };
  assertEquals(plainParamError(notFound), notFound);
  // a client's own key in a path is data, escaped as every error's text (oneLineError): no
  // markup, line break, bidi or zero-width character reaches the line
  const hostile = plainParamError({
    id: 4,
    error: {
      code: -32603,
      message: JSON.stringify([{
        path: ["params", "arguments", "<img src=x>\u200b&\n\u202e"],
        message: "Invalid input: expected string, received number",
      }]),
    },
  });
  assertEquals(
    hostile.error.message,
    "invalid request params: params.arguments.\\u003cimg src=x\\u003e\\u200b\\u0026\\n\\u202e: expected string, received number",
  );
  // many issues are cut as every error is, with how long the whole was
  const issues = Array.from({ length: 60 }, (_, i) => ({
    path: ["params", "arguments", `key${i}`],
    message: "Invalid input: expected string, received number",
  }));
  const cut = plainParamError({ id: 5, error: { code: -32603, message: JSON.stringify(issues) } });
  assertEquals(cut.error.code, -32602);
  match(
    cut.error.message,
    /^invalid request params: params\.arguments\.key0: expected string, received number; .*…\(cut, \d+ chars\)$/,
  );
});

/** A tools/call whose `arguments` is a string, as a hand-written client might send it. */
const BAD_CALL = {
  jsonrpc: "2.0",
  id: 7,
  method: "tools/call",
  params: { name: "query_sql", arguments: "SELECT 1" },
};

Deno.test("stdio: tools/call with string arguments gets -32602 in one line", async () => {
  const folder = await exportsFolder();
  const { transport } = stdioClient({ PRICING_MCP_EXPORTS_DIR: folder.dir });
  try {
    const answered = new Promise<unknown>((resolve) => {
      transport.onmessage = (message) => {
        if ((message as { id?: unknown }).id === 7) resolve(message);
      };
    });
    await transport.start();
    await transport.send(BAD_CALL as never);
    assertEquals(await answered, PLAIN_ANSWER);
  } finally {
    await transport.close();
    await Deno.remove(folder.dir, { recursive: true });
  }
});

/**
 * The admin server's /mcp over an exports folder of its own, given to `test` as a POST of a body;
 * the server stops and the folder goes after, whatever the test did.
 */
async function withMcpHttp(
  test: (post: (body: string) => Promise<Response>) => Promise<void>,
): Promise<void> {
  const folder = await exportsFolder();
  const server = await startServe({
    PATH: Deno.env.get("PATH") ?? "",
    ...denoCacheEnv(),
    PRICING_MCP_EXPORTS_DIR: folder.dir,
  });
  try {
    await test((body) =>
      fetch(`${server.url}/mcp`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body,
      })
    );
  } finally {
    await server.stop();
    await Deno.remove(folder.dir, { recursive: true });
  }
}

Deno.test("HTTP: tools/call with string arguments gets -32602 in one line", async () => {
  await withMcpHttp(async (post) => {
    const response = await post(JSON.stringify(BAD_CALL));
    assertEquals(response.status, 200);
    // (a tools/call is answered as an event stream)
    assertEquals(response.headers.get("content-type"), "text/event-stream");
    assertEquals(await answerOf(response), PLAIN_ANSWER);
  });
});

/** A tools/call whose `params` is a string: no JSON-RPC request to the SDK's schema. */
const NOT_A_REQUEST = { jsonrpc: "2.0", id: 7, method: "tools/call", params: "x" };

const INVALID_REQUEST_ANSWER = {
  jsonrpc: "2.0",
  id: 7,
  error: { code: -32600, message: "invalid request: params: expected an object, received string" },
};

/** −32600 with id null and `message`: the answer to a message whose id cannot be read. */
function nullIdAnswer(message: string) {
  return { jsonrpc: "2.0", id: null, error: { code: -32600, message } };
}

Deno.test("invalidRequestAnswer: JSON that is no JSON-RPC message gets -32600 in one line, with its id or id null; valid messages and responses get none", () => {
  assertEquals(invalidRequestAnswer(NOT_A_REQUEST, "stdio"), INVALID_REQUEST_ANSWER);
  assertEquals(invalidRequestAnswer({ ...NOT_A_REQUEST, id: "a" }, "stdio")?.id, "a");
  assertEquals(invalidRequestAnswer({ jsonrpc: "2.0", id: 3 }, "stdio"), {
    jsonrpc: "2.0",
    id: 3,
    error: {
      code: -32600,
      message: "invalid request: method: expected string, received undefined",
    },
  });
  // a key the protocol does not have is the client's own text: escaped as every error's
  assertEquals(
    invalidRequestAnswer({ jsonrpc: "2.0", id: 4, method: "ping", "<b>\n": 1 }, "stdio")?.error
      .message,
    'invalid request: request: Unrecognized key: "\\u003cb\\u003e\\n"',
  );
  // the SDK takes these (BAD_CALL's params are answered by plainParamError)
  assertEquals(invalidRequestAnswer(BAD_CALL, "stdio"), null);
  assertEquals(invalidRequestAnswer({ jsonrpc: "2.0", id: 1, method: "ping" }, "stdio"), null);
  assertEquals(invalidRequestAnswer({ jsonrpc: "2.0", method: "notifications/x" }, "stdio"), null);
  // a response is never answered
  assertEquals(
    invalidRequestAnswer({ jsonrpc: "2.0", id: 5, result: "x", extra: 1 }, "stdio"),
    null,
  );
  // no id that can be read: id null (JSON-RPC 2.0), for stdio and HTTP alike
  for (const transport of ["stdio", "http"] as const) {
    assertEquals(
      invalidRequestAnswer(42, transport),
      nullIdAnswer("invalid request: request: expected an object, received number"),
    );
    assertEquals(
      invalidRequestAnswer("x", transport),
      nullIdAnswer("invalid request: request: expected an object, received string"),
    );
    assertEquals(
      invalidRequestAnswer({}, transport),
      nullIdAnswer(
        'invalid request: jsonrpc: expected "2.0"; method: expected string, received undefined',
      ),
    );
    // without an id it was meant as a notification: its params are named, not the missing id
    assertEquals(
      invalidRequestAnswer({ jsonrpc: "2.0", method: "ping", params: "x" }, transport),
      nullIdAnswer("invalid request: params: expected an object, received string"),
    );
    assertEquals(
      invalidRequestAnswer({ ...NOT_A_REQUEST, id: null }, transport),
      nullIdAnswer(
        "invalid request: id: expected a string or a whole number; params: expected an object, received string",
      ),
    );
    assertEquals(invalidRequestAnswer({ ...NOT_A_REQUEST, id: { n: 7 } }, transport)?.id, null);
    // a number that is no whole number is no id either (MCP's ids: a string or an integer); it
    // said "expected a string or a number" of 1.5
    assertEquals(
      invalidRequestAnswer({ jsonrpc: "2.0", id: 1.5, method: "ping" }, transport),
      {
        jsonrpc: "2.0",
        id: 1.5,
        error: {
          code: -32600,
          message: "invalid request: id: expected a string or a whole number",
        },
      },
    );
  }
  // a batch: stdio takes none; HTTP takes one of messages, not an empty one or one with a bad member
  const batchOverStdio = nullIdAnswer(
    "invalid request: a batch (a JSON array) is not taken over stdio; send one JSON-RPC message per line",
  );
  assertEquals(invalidRequestAnswer([], "stdio"), batchOverStdio);
  assertEquals(
    invalidRequestAnswer([{ jsonrpc: "2.0", id: 1, method: "ping" }], "stdio"),
    batchOverStdio,
  );
  assertEquals(
    invalidRequestAnswer([], "http"),
    nullIdAnswer("invalid request: the batch is empty; send one JSON-RPC message or more"),
  );
  assertEquals(invalidRequestAnswer([{ jsonrpc: "2.0", id: 1, method: "ping" }], "http"), null);
  assertEquals(
    invalidRequestAnswer([{ jsonrpc: "2.0", id: 1, method: "ping" }, NOT_A_REQUEST], "http"),
    nullIdAnswer("invalid request: batch member 1: params: expected an object, received string"),
  );
});

Deno.test("stdio: a request whose params is not an object gets -32600 with its id, and the session goes on", async () => {
  const folder = await exportsFolder();
  const { transport } = stdioClient({ PRICING_MCP_EXPORTS_DIR: folder.dir });
  try {
    // the answers in the order they come: the bad line's before the ping sent after it (the SDK's
    // transport dropped it, and the ping's answer came alone)
    const answers: unknown[] = [];
    const pinged = new Promise<void>((resolve) => {
      transport.onmessage = (message) => {
        answers.push(message);
        if ((message as { id?: unknown }).id === 8) resolve();
      };
    });
    await transport.start();
    await transport.send(NOT_A_REQUEST as never);
    await transport.send({ jsonrpc: "2.0", id: 8, method: "ping" });
    await pinged;
    assertEquals(answers, [INVALID_REQUEST_ANSWER, { jsonrpc: "2.0", id: 8, result: {} }]);
  } finally {
    await transport.close();
    await Deno.remove(folder.dir, { recursive: true });
  }
});

Deno.test("HTTP: a request whose params is not an object gets 400 with -32600 and its id, not -32700 with none", async () => {
  await withMcpHttp(async (post) => {
    const response = await post(JSON.stringify(NOT_A_REQUEST));
    assertEquals(response.status, 400);
    assertEquals(await response.json(), INVALID_REQUEST_ANSWER);
    // JSON that cannot be read keeps the transport's answer: no id to give
    const unreadable = await post("{");
    assertEquals(unreadable.status, 400);
    assertEquals((await unreadable.json()).error.code, -32700);
  });
});

/**
 * The answers `deno task mcp` (demo data) gives to raw stdin `lines`, in the order they come, up
 * to the one with id 8 (the ping each test sends last): raw lines, as a hand-written client or a
 * shell pipe sends them (the SDK's client cannot).
 */
async function rawStdioAnswers(lines: string): Promise<unknown[]> {
  const session = await rawStdioSession();
  try {
    await session.write(lines);
    return await session.answersUntil(8);
  } finally {
    await session.close();
  }
}

const PING = '{"jsonrpc":"2.0","id":8,"method":"ping"}\n';
const PONG = { jsonrpc: "2.0", id: 8, result: {} };

Deno.test("stdio: a line that is not JSON gets -32700 with id null in one line, a blank line nothing, and the session goes on", async () => {
  // (the SDK's transport dropped both bad lines: only the ping was answered)
  const answers = await rawStdioAnswers(
    'this is not json\n\n{"jsonrpc":"2.0","id":\r\n' + PING,
  );
  const parseError = {
    jsonrpc: "2.0",
    id: null,
    error: { code: -32700, message: PARSE_ERROR_MESSAGE },
  };
  assertEquals(answers, [parseError, parseError, PONG]);
});

/** JSON that is no JSON-RPC message and has no id to read: each gets −32600 with id null. */
const NO_MESSAGES = ["42", "[]", '"x"', "{}", '{"jsonrpc":"2.0"}'];

Deno.test('stdio: JSON that is no JSON-RPC message (42, [], "x", {}, neither method nor id) gets -32600 with id null, one answer each, and the session goes on', async () => {
  // (the SDK's transport dropped every one of them: only the ping was answered)
  const answers = await rawStdioAnswers(NO_MESSAGES.map((line) => line + "\n").join("") + PING);
  assertEquals(answers.length, NO_MESSAGES.length + 1);
  for (const answer of answers.slice(0, -1)) {
    const { jsonrpc, id, error } = answer as {
      jsonrpc: string;
      id: unknown;
      error: { code: number; message: string };
    };
    assertEquals([jsonrpc, id, error.code], ["2.0", null, -32600]);
    match(error.message, /^invalid request: [^\n]+$/);
  }
  assertEquals(answers.at(-1), PONG);
});

Deno.test('HTTP: JSON that is no JSON-RPC message (42, [], "x", {}, neither method nor id) gets 400 with -32600 and id null, as over stdio', async () => {
  await withMcpHttp(async (post) => {
    for (const body of NO_MESSAGES) {
      // (the SDK answered −32700 "Parse error" to all but [], and 202 with nothing to [])
      const response = await post(body);
      assertEquals(response.status, 400, body);
      const { jsonrpc, id, error } = await response.json();
      assertEquals([jsonrpc, id, error.code], ["2.0", null, -32600], body);
      // the same words as over stdio (a batch aside: HTTP takes one, stdio not)
      if (body !== "[]") {
        assertEquals(error, invalidRequestAnswer(JSON.parse(body), "stdio")?.error);
      }
    }
    // a batch of valid messages is still the SDK's to answer
    const batch = await post('[{"jsonrpc":"2.0","id":8,"method":"ping"}]');
    assertEquals(batch.status, 200);
    assertEquals(await batch.json(), PONG); // (the SDK answers a batch of one with one answer)
  });
});
