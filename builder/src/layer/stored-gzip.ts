import { crc32 } from "node:zlib";

// gzip at level 0 — stored deflate blocks — written here instead of by zlib. zlib's stored
// blocks end wherever its input and output buffers happen to end, so the same tar gave
// different bytes for different chunk sizes; these are always full 65,535-byte blocks (the
// last one shorter), the same bytes for any chunking, any zlib and any Node.js. Storing is
// a copy and a CRC-32: nothing else of zlib is needed.

const MAX_BLOCK = 65_535;
// Magic, deflate, no flags, mtime 0, XFL 4 (fastest, as zlib marks level 0), OS 255 (unknown).
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 0xff]);

/**
 * Bytes in, a gzip member of stored deflate blocks out. It keeps no reference to its input
 * (what it holds back is copied), so a caller may read the next bytes into the same buffer.
 */
export class StoredGzip {
  #crc = 0;
  #total = 0;
  #started = false;
  /** Input not yet framed: at most one block, held back until more arrives or the end. */
  readonly #held = Buffer.allocUnsafe(MAX_BLOCK);
  #heldLen = 0;

  /** The blocks `chunk` completes (all but the last block's worth of input), or undefined. */
  push(chunk: Buffer): Buffer | undefined {
    this.#crc = crc32(chunk, this.#crc);
    this.#total += chunk.length;
    const total = this.#heldLen + chunk.length;
    if (total <= MAX_BLOCK) {
      chunk.copy(this.#held, this.#heldLen);
      this.#heldLen = total;
      return undefined;
    }
    // Frame whole blocks, keeping 1 to 65,535 bytes back: the last block must be marked final.
    const keep = ((total - 1) % MAX_BLOCK) + 1;
    const blocks = (total - keep) / MAX_BLOCK;
    const out = this.#begin(blocks * (5 + MAX_BLOCK));
    let at = out.length - blocks * (5 + MAX_BLOCK);
    // Each byte is copied once, from the held bytes or the chunk straight into its block.
    let from = 0;
    for (let b = 0; b < blocks; b++) {
      at = blockHeader(out, at, MAX_BLOCK, false);
      let left = MAX_BLOCK;
      if (b === 0 && this.#heldLen > 0) {
        at += this.#held.copy(out, at, 0, this.#heldLen);
        left -= this.#heldLen;
      }
      at += chunk.copy(out, at, from, from + left);
      from += left;
    }
    this.#heldLen = chunk.copy(this.#held, 0, from);
    return out;
  }

  /** The last block, marked final, and the trailer (CRC-32, length). */
  end(): Buffer {
    const out = this.#begin(5 + this.#heldLen + 8);
    let at = blockHeader(out, out.length - (5 + this.#heldLen + 8), this.#heldLen, true);
    at += this.#held.copy(out, at, 0, this.#heldLen);
    out.writeUInt32LE(this.#crc >>> 0, at);
    out.writeUInt32LE(this.#total % 2 ** 32, at + 4);
    this.#heldLen = 0;
    return out;
  }

  /** A buffer for `bytes` of output, after the gzip header if it has not been written yet. */
  #begin(bytes: number): Buffer {
    const header = this.#started ? 0 : HEADER.length;
    const out = Buffer.allocUnsafe(header + bytes);
    if (header > 0) HEADER.copy(out, 0);
    this.#started = true;
    return out;
  }
}

/** A stored block's header at `at`: BFINAL, BTYPE 00, LEN, NLEN. Returns where its data starts. */
function blockHeader(out: Buffer, at: number, len: number, final: boolean): number {
  out[at] = final ? 1 : 0;
  out.writeUInt16LE(len, at + 1);
  out.writeUInt16LE(~len & 0xffff, at + 3);
  return at + 5;
}
