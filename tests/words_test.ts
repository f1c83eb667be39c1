/** lib/core/words.ts: a list in a sentence. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { listInWords, someInWords } from "../lib/core/words.ts";

Deno.test("listInWords: nothing, one item, two with and, three with commas and no Oxford comma", () => {
  assertEquals(listInWords([]), "");
  assertEquals(listInWords(["A"]), "A");
  assertEquals(listInWords(["A", "B"]), "A and B");
  assertEquals(listInWords(["A", "B", "C"]), "A, B and C");
  assertEquals(listInWords(["A", "B", "C", "D"]), "A, B, C and D");
});

Deno.test("listInWords: a list of choices with or", () => {
  assertEquals(listInWords([], { conjunction: "or" }), "");
  assertEquals(listInWords(["A"], { conjunction: "or" }), "A");
  assertEquals(listInWords(["A", "B"], { conjunction: "or" }), "A or B");
  assertEquals(listInWords(["A", "B", "C"], { conjunction: "or" }), "A, B or C");
});

Deno.test("listInWords: items are text as given (commas inside one stay inside it)", () => {
  assertEquals(listInWords(["a, b", "c"]), "a, b and c");
});

Deno.test("someInWords: up to `shown` items, then how many more", () => {
  assertEquals(someInWords([], { shown: 3 }), "");
  assertEquals(someInWords(["a", "b", "c"], { shown: 3 }), "a, b, c");
  assertEquals(someInWords(["a", "b", "c", "d", "e"], { shown: 3 }), "a, b, c and 2 more");
  assertEquals(someInWords(["a", "b"], { shown: 1 }), "a and 1 more");
});

Deno.test("someInWords with show: each shown item written by it, and only those", () => {
  const written: number[] = [];
  const show = (n: number) => {
    written.push(n);
    return `#${n}`;
  };
  assertEquals(someInWords([1, 2, 3, 4], { shown: 2, show }), "#1, #2 and 2 more");
  assertEquals(written, [1, 2]);
  assertEquals(someInWords([7], { shown: 2, show }), "#7");
});
