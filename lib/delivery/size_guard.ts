/**
 * The email's size guard: attachments above PRICING_EMAIL_MAX_ATTACHMENTS_MB are refused before
 * connecting, in one line naming each file, the limit and the way to a smaller message.
 */
import { UserError } from "../core/config.ts";
import { DEFAULT_TRIM_ABOVE_BYTES, TRIM_VARIABLE } from "../report/trimmed_file.ts";
import { TRIMMED_SUFFIX } from "../report/export_parts.ts";

/** An attachment as the guard sees it: its name and bytes. */
interface Sized {
  filename: string;
  content: Uint8Array;
}

/** `1000 bytes`, `51.2 KB`, `17.0 MB` (of 1024). */
export function size(bytes: number): string {
  return bytes < 1024
    ? `${bytes} bytes`
    : bytes < 1024 * 1024
    ? `${(bytes / 1024).toFixed(1)} KB`
    : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export interface AttachmentSizeLimits {
  /** the most the attachments may add up to (PRICING_EMAIL_MAX_ATTACHMENTS_MB) */
  maxBytes: number;
  /** what sizes the trimmed CSV (PRICING_BRIEF_TRIM_ABOVE_MB), when the export set it */
  uploadLimitBytes?: number;
}

/**
 * Throws a UserError when the attachments add up to more than the guard allows. `uploadLimitBytes`
 * (PRICING_BRIEF_TRIM_ABOVE_MB, what sizes the trimmed CSV) above the guard is named as the fix:
 * with the defaults (20 and 17 MiB) a CSV between them gets no trimmed file and a trimmed file can
 * be too large, so the mail fails every run until it is set lower.
 */
export function checkAttachmentSize(
  attachments: Sized[],
  { maxBytes, uploadLimitBytes }: AttachmentSizeLimits,
): void {
  const total = attachments.reduce((sum, a) => sum + a.content.byteLength, 0);
  if (total > maxBytes) {
    const list = attachments.map((a) => `${a.filename} ${size(a.content.byteLength)}`).join(
      ", ",
    );
    const names = attachments.map((a) => a.filename);
    const workbookOnly = names.some((n) => n.endsWith(".xlsx")) &&
      !names.some((n) => n.endsWith(".csv"));
    const trimmed = names.some((n) => n.endsWith(`_${TRIMMED_SUFFIX}.csv`));
    const trimSetting = `${TRIM_VARIABLE}, ${size(uploadLimitBytes ?? DEFAULT_TRIM_ABOVE_BYTES)}${
      uploadLimitBytes === undefined ? " by default" : ""
    }, which is above this limit: set it lower`;
    const trimAboveLimit = (uploadLimitBytes ?? DEFAULT_TRIM_ABOVE_BYTES) > maxBytes;
    const smaller = workbookOnly
      ? "a workbook has no trimmed variant: --format csv writes a CSV, and a trimmed one when it is large"
      : !trimAboveLimit
      ? "the trimmed CSV is sent instead of the CSV when there is one"
      : trimmed
      ? `the trimmed CSV is cut to fit ${trimSetting}`
      : `no trimmed CSV was written: one is written for a CSV above ${trimSetting}`;
    throw new UserError(
      `email not sent: attachments are ${size(total)} (${list}), above the ${
        size(maxBytes)
      } limit (${smaller}); raise PRICING_EMAIL_MAX_ATTACHMENTS_MB or share the files another way`,
    );
  }
}
