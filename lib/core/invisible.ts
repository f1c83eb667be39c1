/**
 * The characters the Markdown outputs (and the notebooks' HTML tables) drop from data text
 * (lib/formats/markdown.ts visibleLine) and those it reads as a space, here so that
 * lib/core/no_plan.ts can ignore them too.
 */

// C0/C1 controls, line and paragraph separators: each would start a new line or hide text.
export const LINE_BREAKING = /[\p{Cc}\u2028\u2029]+/gu;

// Bidirectional controls (U+061C and U+200E/F marks too), zero-width and other invisible format
// characters reorder or hide what a reader sees; Unicode tag characters (U+E0000–E007F) and
// variation selectors past the emoji one spell text no reader sees but a model reads (hidden
// instructions). U+FE0F (an emoji's colour form) is kept. With the shorthand and musical format
// controls (U+1BCA0–1BCA3, U+1D173–1D17A), every assigned default-ignorable character is here.
export const INVISIBLE =
  /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0e\ufeff\uffa0\ufff9-\ufffb\u{1bca0}-\u{1bca3}\u{1d173}-\u{1d17a}\u{e0000}-\u{e007f}\u{e0100}-\u{e01ef}]/gu;
