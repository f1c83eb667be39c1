/**
 * One order of text for every machine. `a.localeCompare(b)` collates by the process's locale
 * (LANG / LC_ALL: Danish sorts "aa" after "z", Estonian "z" between "s" and "t", Turkish "ı"
 * before "i"), so plans, tiers and currencies came out in another order on another machine.
 */

const EN_US = new Intl.Collator("en-US");

/**
 * Compares text as en-US collates it (the order the kit's files had on the machines it was
 * written on: letters first, then accents, then case, "pro" before "Pro"), then by UTF-16 code
 * units, so text the collation holds equal (é precomposed and e + U+0301) still has one order.
 */
export function compareText(a: string, b: string): number {
  return EN_US.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
