import { Transform, type TransformCallback } from "node:stream";
import { crc32 } from "node:zlib";

// gzip at level 0 — stored deflate blocks — written here instead of by zlib. zlib's stored
// blocks end wherever its input and output buffers happen to end, so the same tar gave
// different bytes for different chunk sizes; these are always full 65,535-byte blocks (the
// last one shorter), the same bytes for any chunking, any zlib and any Node.js. Storing is
// a copy and a CRC-32: nothing else of zlib is needed.

const MAX_BLOCK = 65_535;
// Magic, deflate, no flags, mtime 0, XFL 4 (fastest, as zlib marks level 0), OS 255 (unknown).
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 0xff]);

/** A Transform from bytes to a gzip member of stored deflate blocks. */
export class StoredGzip extends Transform {
  #crc = 0;
  #total = 0;
  #started = false;
  /** Input not yet framed: less than one full block is held back until more arrives or the end. */
  #held: Buffer[] = [];
  #heldLen = 0;

  constructor(highWaterMark = 4 << 20) {
    super({ writableHighWaterMark: highWaterMark, readableHighWaterMark: highWaterMark });
  }

  /** Frames held bytes into blocks; all of them when `final`, else only while more than a block remains. */
  #frame(final: boolean): Buffer | undefined {
    const keep = final
      ? 0
      : this.#heldLen > MAX_BLOCK
        ? ((this.#heldLen - 1) % MAX_BLOCK) + 1
        : this.#heldLen;
    const framedLen = this.#heldLen - keep;
    const blocks = final ? Math.max(1, Math.ceil(framedLen / MAX_BLOCK)) : framedLen / MAX_BLOCK;
    if (blocks === 0) return undefined;
    const out = Buffer.allocUnsafe((this.#started ? 0 : HEADER.length) + blocks * 5 + framedLen);
    let at = 0;
    if (!this.#started) {
      at += HEADER.copy(out, 0);
      this.#started = true;
    }
    // Each byte is copied once, from the held pieces straight into its block.
    let piece = 0;
    let offset = 0;
    for (let b = 0; b < blocks; b++) {
      const len = Math.min(MAX_BLOCK, framedLen - b * MAX_BLOCK);
      out[at] = final && b === blocks - 1 ? 1 : 0; // BFINAL, BTYPE 00 (stored)
      out.writeUInt16LE(len, at + 1);
      out.writeUInt16LE(~len & 0xffff, at + 3);
      at += 5;
      for (let left = len; left > 0; ) {
        const src = this.#held[piece] as Buffer;
        const n = src.copy(out, at, offset, offset + Math.min(left, src.length - offset));
        at += n;
        left -= n;
        offset += n;
        if (offset === src.length) {
          piece++;
          offset = 0;
        }
      }
    }
    const rest = this.#held.slice(piece);
    if (rest.length > 0 && offset > 0) rest[0] = (rest[0] as Buffer).subarray(offset);
    this.#held = rest;
    this.#heldLen = keep;
    return out;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#crc = crc32(chunk, this.#crc);
    this.#total += chunk.length;
    this.#held.push(chunk);
    this.#heldLen += chunk.length;
    cb(null, this.#frame(false));
  }

  override _flush(cb: TransformCallback): void {
    const last = this.#frame(true) as Buffer;
    const trailer = Buffer.allocUnsafe(8);
    trailer.writeUInt32LE(this.#crc >>> 0, 0);
    trailer.writeUInt32LE(this.#total % 2 ** 32, 4);
    cb(null, Buffer.concat([last, trailer]));
  }
}
