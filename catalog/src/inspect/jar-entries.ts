import { type FileHandle, open } from "node:fs/promises";
import { inflateRawSync } from "node:zlib";

/** Largest single entry read into memory: class files and licence texts are far smaller. */
export const MAX_ENTRY_BYTES = 8 << 20;
/** Most entries one jar may have. */
export const MAX_ENTRIES = 200_000;
/** Largest central directory read (a jar with MAX_ENTRIES long names stays well below). */
const MAX_DIRECTORY_BYTES = 64 << 20;
/** Jars up to this size are read whole (one read instead of two per entry); larger ones entry by entry. */
const WHOLE_FILE_BYTES = 256 << 20;

/** A jar (or zip) that cannot be read: not a zip (`notAZip`), corrupt, or beyond the limits. */
export class UnreadableJarError extends Error {
  constructor(
    message: string,
    readonly notAZip = false,
  ) {
    super(message);
  }
}

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  /** Where the entry's local header starts. */
  offset: number;
  encrypted: boolean;
}

const u64 = (b: Buffer, at: number) => Number(b.readBigUInt64LE(at));

async function readAt(file: FileHandle, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await file.read(buf, 0, length, position);
  if (bytesRead !== length) throw new UnreadableJarError("truncated zip file");
  return buf;
}

/** Where the central directory is, from the end records (zip64 included). */
async function directoryOf(file: FileHandle, size: number) {
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = await readAt(file, tailLength, size - tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new UnreadableJarError("no end of central directory", true);
  let count = tail.readUInt16LE(eocd + 10);
  let length = tail.readUInt32LE(eocd + 12);
  let offset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || length === 0xffffffff || offset === 0xffffffff) {
    const locatorAt = eocd - 20;
    if (locatorAt < 0 || tail.readUInt32LE(locatorAt) !== 0x07064b50)
      throw new UnreadableJarError("zip64 end of central directory locator missing");
    const record = await readAt(file, 56, u64(tail, locatorAt + 8));
    if (record.readUInt32LE(0) !== 0x06064b50) throw new UnreadableJarError("zip64 end record missing");
    count = u64(record, 32);
    length = u64(record, 40);
    offset = u64(record, 48);
  }
  if (count > MAX_ENTRIES) throw new UnreadableJarError(`more than ${MAX_ENTRIES} entries`);
  if (length > MAX_DIRECTORY_BYTES || offset + length > size)
    throw new UnreadableJarError("central directory out of bounds");
  return { count, length, offset };
}

/** Every entry of the central directory, read in one piece (far faster than a read per entry). */
export async function readZipIndex(file: FileHandle): Promise<ZipEntry[]> {
  const size = (await file.stat()).size;
  const dir = await directoryOf(file, size);
  const cd = await readAt(file, dir.length, dir.offset);
  const out: ZipEntry[] = [];
  let p = 0;
  for (let n = 0; n < dir.count; n++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50)
      throw new UnreadableJarError("corrupt central directory");
    const flags = cd.readUInt16LE(p + 8);
    const nameLength = cd.readUInt16LE(p + 28);
    const extraLength = cd.readUInt16LE(p + 30);
    const commentLength = cd.readUInt16LE(p + 32);
    let compressedSize = cd.readUInt32LE(p + 20);
    let entrySize = cd.readUInt32LE(p + 24);
    let offset = cd.readUInt32LE(p + 42);
    const end = p + 46 + nameLength + extraLength + commentLength;
    if (end > cd.length) throw new UnreadableJarError("corrupt central directory");
    const name = cd.toString("utf8", p + 46, p + 46 + nameLength);
    // Zip64 sizes and offset live in extra field 0x0001, in this order, for those set to 0xffffffff.
    for (let x = p + 46 + nameLength; x + 4 <= p + 46 + nameLength + extraLength; ) {
      const id = cd.readUInt16LE(x);
      const len = cd.readUInt16LE(x + 2);
      if (id === 0x0001) {
        let at = x + 4;
        const next = () => {
          if (at + 8 > x + 4 + len) throw new UnreadableJarError(`${name}: short zip64 field`);
          const v = u64(cd, at);
          at += 8;
          return v;
        };
        if (entrySize === 0xffffffff) entrySize = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (offset === 0xffffffff) offset = next();
      }
      x += 4 + len;
    }
    out.push({
      name,
      method: cd.readUInt16LE(p + 10),
      compressedSize,
      size: entrySize,
      offset,
      encrypted: (flags & 1) !== 0,
    });
    p = end;
  }
  return out;
}

/**
 * Reads the names of a jar's entries and the bodies of those `want` selects (returning the most
 * bytes it accepts for the entry, or false), handing each to
 * `onEntry`: the central directory in one read, each body sliced from the file read whole (or,
 * for a very large jar, read at its offset) and inflated synchronously: tens of thousands of
 * class files in a second, where a stream per entry takes tens. Bodies are bounded by
 * MAX_ENTRY_BYTES; an entry that lies about its place or size, or does not inflate, makes the
 * jar unreadable.
 */
export async function readJarEntries(
  path: string,
  want: (name: string) => number | false,
  onEntry: (name: string, body: Buffer) => void,
): Promise<string[]> {
  let file: FileHandle;
  try {
    file = await open(path, "r");
  } catch (err) {
    throw new UnreadableJarError((err as Error).message);
  }
  try {
    const size = (await file.stat()).size;
    const entries = await readZipIndex(file);
    const whole = size <= WHOLE_FILE_BYTES ? await readAt(file, size, 0) : undefined;
    const read = (length: number, position: number) =>
      whole ? Promise.resolve(whole.subarray(position, position + length)) : readAt(file, length, position);
    for (const e of entries) {
      // Names that climb out or are absolute are a hostile archive's, never a jar's.
      if (e.name.startsWith("/") || e.name.split(/[/\\]/).includes(".."))
        throw new UnreadableJarError(`invalid relative path: ${e.name}`);
      const limit = e.name.endsWith("/") || e.encrypted ? false : want(e.name);
      if (limit === false) continue;
      if (e.compressedSize > limit || e.size > limit)
        throw new UnreadableJarError(`${e.name} is larger than ${limit} bytes`);
      const local = e.offset + 30 <= size ? await read(30, e.offset) : undefined;
      if (local?.readUInt32LE(0) !== 0x04034b50)
        throw new UnreadableJarError(`${e.name}: no local header at offset ${e.offset}`);
      const start = e.offset + 30 + (local as Buffer).readUInt16LE(26) + (local as Buffer).readUInt16LE(28);
      if (start + e.compressedSize > size)
        throw new UnreadableJarError(`${e.name} runs past the end of the file`);
      const raw = await read(e.compressedSize, start);
      let body: Buffer;
      if (e.method === 0) body = raw;
      else if (e.method === 8) {
        try {
          body = inflateRawSync(raw, { maxOutputLength: limit });
        } catch (err) {
          throw new UnreadableJarError(`${e.name} does not inflate (${(err as Error).message})`);
        }
      } else continue;
      // A size that lies is a corrupt (or hostile) jar, as yauzl would say.
      if (body.length !== e.size)
        throw new UnreadableJarError(
          `${e.name} holds ${body.length} bytes, not the ${e.size} its header says`,
        );
      onEntry(e.name, body);
    }
    return entries.map((e) => e.name);
  } finally {
    await file.close();
  }
}
