import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { StoredGzip } from "./stored-gzip.js";

async function gzip(parts: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(parts), new StoredGzip(), async (src: AsyncIterable<Buffer>) => {
    for await (const c of src) out.push(c);
  });
  return Buffer.concat(out);
}

function split(data: Buffer, size: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return parts;
}

describe("StoredGzip", () => {
  it.each([0, 1, 65_535, 65_536, 2 * 65_535, 3_000_001])(
    "round-trips %i bytes, the same bytes however the input is chunked",
    async (n) => {
      const data = randomBytes(n);
      const whole = await gzip(n === 0 ? [] : [data]);
      expect(gunzipSync(whole).equals(data)).toBe(true);
      for (const size of [n < 200_000 ? 1 : 4096, 65_535, 1 << 20])
        if (n > 0) expect((await gzip(split(data, size))).equals(whole)).toBe(true);
      // header: no name, mtime 0, XFL 4, OS unknown; blocks of 65,535 bytes plus 5 framing bytes each
      expect([...whole.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 0xff]);
      expect(whole.length).toBe(10 + Math.max(1, Math.ceil(n / 65_535)) * 5 + n + 8);
    },
  );
});
