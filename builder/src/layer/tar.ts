import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { KilnError } from "@kiln/schemas/core";
import type { LayerEntry } from "./writer.js";

// A layer's tar, written here rather than through a tar stream library: one async generator
// reading each file in large pieces, so the bytes reach the compressor in megabyte chunks
// with no stream stages in between. The bytes are those tar-stream's pack writes for the same
// entries (ustar, a pax header for names ustar cannot hold), as a test checks, so diff_ids
// stay what they were.

/** Bytes handed downstream at a time: file reads, and small headers and files gathered. */
export const TAR_CHUNK = 1 << 20;
const BLOCK = 512;

export class LayerSourceError extends KilnError {}

function octal(value: number, digits: number): string {
  const s = value.toString(8);
  return s.length > digits ? `${"7".repeat(digits)} ` : `${s.padStart(digits, "0")} `;
}

interface Header {
  name: string;
  mode: number;
  size: number;
  mtime: number;
  /** ustar type flag: "0" file, "5" directory, "x" pax extended header. */
  type: "0" | "5" | "x";
}

/** One ustar header block, or undefined when the name does not fit ustar (non-ASCII, or too long to split). */
function ustar(h: Header): Buffer | undefined {
  let name = h.name;
  let prefix = "";
  if (Buffer.byteLength(name) !== name.length) return undefined;
  while (name.length > 100) {
    const i = name.indexOf("/");
    if (i === -1) return undefined;
    prefix += prefix ? `/${name.slice(0, i)}` : name.slice(0, i);
    name = name.slice(i + 1);
  }
  if (prefix.length > 155) return undefined;
  const b = Buffer.alloc(BLOCK);
  b.write(name, 0, "latin1");
  b.write(octal(h.mode & 0o7777, 6), 100, "latin1");
  b.write(octal(0, 6), 108, "latin1"); // uid
  b.write(octal(0, 6), 116, "latin1"); // gid
  if (h.size.toString(8).length > 11) {
    // base-256 for sizes of 8 GiB and more
    b[124] = 0x80;
    let n = h.size;
    for (let i = 11; i > 0; i--) {
      b[124 + i] = n & 0xff;
      n = Math.floor(n / 0x100);
    }
  } else b.write(octal(h.size, 11), 124, "latin1");
  b.write(octal(h.mtime, 11), 136, "latin1");
  b.write(h.type, 156, "latin1");
  b.write("ustar\u000000", 257, "latin1");
  b.write(octal(0, 6), 329, "latin1"); // devmajor
  b.write(octal(0, 6), 337, "latin1"); // devminor
  if (prefix) b.write(prefix, 345, "latin1");
  let sum = 8 * 32; // the checksum field counts as spaces
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += b[i] as number;
  b.write(octal(sum, 6), 148, "latin1");
  return b;
}

function padding(size: number): Buffer | undefined {
  const rest = size % BLOCK;
  return rest === 0 ? undefined : Buffer.alloc(BLOCK - rest);
}

/** A pax record `<length> path=<name>\n`, the length counting its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const len = Buffer.byteLength(body);
  let digits = String(len).length;
  if (len + digits >= 10 ** digits) digits++;
  return `${len + digits}${body}`;
}

/** The header block(s) of one entry: a pax extended header first when ustar cannot hold the name. */
export function entryHeader(e: LayerEntry, epoch: number): Buffer[] {
  const h: Header = {
    name: e.type === "directory" ? `${e.path}/` : e.path,
    mode: e.type === "directory" ? 0o755 : e.executable ? 0o755 : 0o644,
    size: e.type === "file" ? e.size : 0,
    mtime: epoch,
    type: e.type === "directory" ? "5" : "0",
  };
  const plain = ustar(h);
  if (plain) return [plain];
  const pax = Buffer.from(paxRecord("path", h.name));
  const pad = padding(pax.length);
  return [
    ustar({ ...h, name: "PaxHeader", size: pax.length, type: "x" }) as Buffer,
    pax,
    ...(pad ? [pad] : []),
    ustar({ ...h, name: "PaxHeader" }) as Buffer,
  ];
}

/**
 * The tar of `entries` (in the order given; uid/gid 0, mtime `epoch`, directories 0755,
 * files 0644 or 0755), in chunks of about {@link TAR_CHUNK}. A file whose size differs from
 * its entry's (changed since it was listed) is an error. The sha256 of each file entry given
 * without one goes to `learned` (by `abs`), hashed from the very bytes packed.
 * With `readBuffer` (of {@link TAR_CHUNK} bytes or more), files are read into that one buffer,
 * and a chunk of a file's bytes is good only until the next chunk is asked for: for a consumer
 * that copies what it keeps, and spares the memory (and page faults) of a fresh buffer per read.
 */
export async function* tarChunks(
  entries: LayerEntry[],
  epoch: number,
  learned?: Map<string, string>,
  readBuffer?: Buffer,
): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingLen = 0;
  const take = () => {
    const out = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingLen);
    pending = [];
    pendingLen = 0;
    return out;
  };
  const add = (b: Buffer | undefined) => {
    if (!b) return;
    pending.push(b);
    pendingLen += b.length;
  };
  for (const e of entries) {
    for (const b of entryHeader(e, epoch)) add(b);
    const hash = e.type === "file" && e.sha256 === undefined ? createHash("sha256") : undefined;
    if (e.type === "file" && e.size > 0) {
      const fh = await open(e.abs, "r");
      try {
        let left = e.size;
        while (left > 0) {
          const want = Math.min(left, TAR_CHUNK);
          const buf = readBuffer ? readBuffer.subarray(0, want) : Buffer.allocUnsafe(want);
          let got = 0;
          while (got < want) {
            const { bytesRead } = await fh.read(buf, got, want - got, e.size - left + got);
            if (bytesRead === 0)
              throw new LayerSourceError(`${e.abs} is shorter than the ${e.size} bytes it had when listed`);
            got += bytesRead;
          }
          left -= want;
          hash?.update(buf);
          if (readBuffer) {
            // The next read overwrites it: handed on at once, after what is pending.
            if (pendingLen > 0) yield take();
            yield buf;
            continue;
          }
          if (pendingLen + want > TAR_CHUNK) yield take();
          add(buf);
        }
        const { bytesRead } = await fh.read(Buffer.alloc(1), 0, 1, e.size);
        if (bytesRead !== 0)
          throw new LayerSourceError(`${e.abs} is longer than the ${e.size} bytes it had when listed`);
      } finally {
        await fh.close();
      }
      add(padding(e.size));
    }
    if (hash && e.type === "file") learned?.set(e.abs, hash.digest("hex"));
    if (pendingLen >= TAR_CHUNK) yield take();
  }
  add(Buffer.alloc(2 * BLOCK)); // end of archive
  yield take();
}
