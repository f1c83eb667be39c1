/**
 * lib/delivery/size_guard.ts at its boundaries: a trimmed-CSV size equal to the mail's limit is
 * not above it (the trimmed CSV fits, so it is what to send), and sizes of 1024 bytes and more
 * are written in KB.
 */
import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { checkAttachmentSize, size } from "../lib/delivery/size_guard.ts";

Deno.test("size guard: PRICING_BRIEF_TRIM_ABOVE_MB equal to the mail's limit is not named as above it", () => {
  // a 2,000-byte CSV and no trimmed one, the limit 1,024 bytes, the trimmed CSV sized at 1,024
  // bytes too: a trimmed CSV would fit, so the way out is to send it
  const attachments = [
    { filename: "helicone_pricing_data_2026-11-01.csv", content: new Uint8Array(2000) },
  ];
  throws(() => checkAttachmentSize(attachments, { maxBytes: 1024, uploadLimitBytes: 1024 }), {
    message:
      "email not sent: attachments are 2.0 KB (helicone_pricing_data_2026-11-01.csv 2.0 KB), above the 1.0 KB limit (the trimmed CSV is sent instead of the CSV when there is one); raise PRICING_EMAIL_MAX_ATTACHMENTS_MB or share the files another way",
  });
});

Deno.test("size guard: 1023 bytes are bytes, 1024 are 1.0 KB, 1 MiB is 1.0 MB", () => {
  assertEquals(
    [size(1023), size(1024), size(1024 * 1024)],
    ["1023 bytes", "1.0 KB", "1.0 MB"],
  );
});
