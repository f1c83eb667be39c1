/** A list in a sentence, shared by the kit's messages and reports. */

/** What listInWords puts between the last two items. */
export interface ListInWordsOptions {
  /** "and" unless told (a list of choices takes "or") */
  conjunction?: "and" | "or";
}

/** "", "A", "A and B", "A, B and C" (no comma before the last word); "A, B or C" with "or". */
export function listInWords(
  items: readonly string[],
  { conjunction = "and" }: ListInWordsOptions = {},
): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} ${conjunction} ${items.at(-1)}`;
}
