import { randomBytes } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { StoredGzip } from "./stored-gzip.js";

/** `parts` through one StoredGzip; with `scratch`, each part is first copied into that one buffer. */
function gzip(parts: Buffer[], scratch?: Buffer): Buffer {
  const s = new StoredGzip();
  const out: Buffer[] = [];
  for (const p of parts) {
    const input = scratch ? scratch.subarray(0, p.copy(scratch)) : p;
    const framed = s.push(input);
    if (framed) out.push(framed);
  }
  out.push(s.end());
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
    (n) => {
      const data = randomBytes(n);
      const whole = gzip(n === 0 ? [] : [data]);
      expect(gunzipSync(whole).equals(data)).toBe(true);
      for (const size of [n < 200_000 ? 1 : 4096, 65_535, 1 << 20])
        if (n > 0) expect(gzip(split(data, size)).equals(whole)).toBe(true);
      // header: no name, mtime 0, XFL 4, OS unknown; blocks of 65,535 bytes plus 5 framing bytes each
      expect([...whole.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 0xff]);
      expect(whole.length).toBe(10 + Math.max(1, Math.ceil(n / 65_535)) * 5 + n + 8);
    },
  );

  it("keeps nothing of its input: the caller may read the next bytes into the same buffer", () => {
    const data = randomBytes(1_000_003);
    const whole = gzip([data]);
    for (const size of [1 << 20, 100_000, 65_535, 1_000])
      expect(gzip(split(data, size), Buffer.alloc(size)).equals(whole)).toBe(true);
  });
});
