import { createHash } from "node:crypto";
import { crc32, deflateRawSync, gzipSync } from "node:zlib";
import { pack } from "tar-stream";

/** One entry of a crafted archive. Tests use these to build good and hostile archives byte by byte. */
export interface FixtureEntry {
  name: string;
  data?: string | Buffer;
  /** Unix mode bits (permissions and type), e.g. 0o100644, 0o120777 (symlink), 0o020644 (char device). */
  mode?: number;
  /** tar only: entry type. */
  type?: "file" | "directory" | "symlink" | "link" | "character-device" | "fifo";
  linkname?: string;
}

/** A tar.gz made with tar-stream, with exactly the given entries (names are not sanitised). */
export async function makeTgz(entries: FixtureEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    p.on("end", resolve);
    p.on("error", reject);
  });
  for (const e of entries) {
    const data = e.data === undefined ? undefined : Buffer.from(e.data);
    const header = {
      name: e.name,
      type: e.type ?? "file",
      mode: (e.mode ?? 0o644) & 0o7777,
      mtime: new Date(0),
      ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
      ...(data ? { size: data.length } : {}),
    };
    await new Promise<void>((resolve, reject) =>
      data
        ? p.entry(header, data, (err) => (err ? reject(err) : resolve()))
        : p.entry(header, (err) => (err ? reject(err) : resolve())),
    );
  }
  p.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

/**
 * A zip written by hand (deflate, Unix modes in the external attributes), so
 * tests can make entries no zip tool would: `../` names, symlinks out, bombs.
 */
export function makeZip(entries: FixtureEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const data = Buffer.from(e.data ?? "");
    const compressed = deflateRawSync(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, compressed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    const mode = e.mode ?? (e.name.endsWith("/") ? 0o040755 : 0o100644);
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A class for `makeClassFile`: its name, supertypes and modifiers (public and concrete by default). */
export interface ClassSpec {
  name: string;
  super?: string;
  interfaces?: string[];
  /** JVM access flags (default 0x0021: public, super). */
  access?: number;
}

/**
 * The header of a real class file (magic, version 61, constant pool, access, this, super,
 * interfaces) and empty field, method and attribute tables: what inspection reads, no code.
 */
export function makeClassFile(spec: ClassSpec): Buffer {
  const pool: Buffer[] = [];
  const classIndex = new Map<string, number>();
  let slot = 1;
  const classRef = (name: string) => {
    const known = classIndex.get(name);
    if (known) return known;
    const text = Buffer.from(name.replace(/\./g, "/"));
    const utf8 = Buffer.alloc(3);
    utf8.writeUInt8(1, 0);
    utf8.writeUInt16BE(text.length, 1);
    pool.push(utf8, text);
    const cls = Buffer.alloc(3);
    cls.writeUInt8(7, 0);
    cls.writeUInt16BE(slot, 1);
    pool.push(cls);
    classIndex.set(name, slot + 1);
    slot += 2;
    return slot - 1;
  };
  const self = classRef(spec.name);
  const parent = classRef(spec.super ?? "java.lang.Object");
  const ifaces = (spec.interfaces ?? []).map(classRef);
  const head = Buffer.alloc(10);
  head.writeUInt32BE(0xcafebabe, 0);
  head.writeUInt16BE(61, 6);
  head.writeUInt16BE(slot, 8);
  const tail = Buffer.alloc(8 + 2 * ifaces.length + 6);
  tail.writeUInt16BE(spec.access ?? 0x0021, 0);
  tail.writeUInt16BE(self, 2);
  tail.writeUInt16BE(parent, 4);
  tail.writeUInt16BE(ifaces.length, 6);
  for (const [n, i] of ifaces.entries()) tail.writeUInt16BE(i, 8 + 2 * n);
  return Buffer.concat([head, ...pool, tail]);
}

/**
 * A jar holding class files and service manifests: enough for inspection, which never runs the
 * classes. A class given by name alone is an empty class file (its header does not parse).
 */
export function makeJar(opts: {
  classes?: Array<string | ClassSpec>;
  services?: Record<string, string[]>;
}): Buffer {
  const entries: FixtureEntry[] = [{ name: "META-INF/MANIFEST.MF", data: "Manifest-Version: 1.0\n" }];
  for (const c of opts.classes ?? []) {
    const name = typeof c === "string" ? c : c.name;
    const data = typeof c === "string" ? Buffer.from([0xca, 0xfe, 0xba, 0xbe]) : makeClassFile(c);
    entries.push({ name: `${name.replace(/\./g, "/")}.class`, data });
  }
  for (const [iface, impls] of Object.entries(opts.services ?? {})) {
    entries.push({ name: `META-INF/services/${iface}`, data: `# generated\n${impls.join("\n")}\n` });
  }
  return makeZip(entries);
}

export function sha512(data: Buffer | string): string {
  return createHash("sha512").update(data).digest("hex");
}

export function sha1(data: Buffer | string): string {
  return createHash("sha1").update(data).digest("hex");
}

/** A copy of a zip whose central directory claims every entry is `delta` bytes larger (or smaller) than it is. */
export function lieAboutSizes(zip: Buffer, delta: number): Buffer {
  const out = Buffer.from(zip);
  for (let i = out.indexOf(0x02014b50 & 0xff); i >= 0 && i < out.length - 46; i++) {
    if (out.readUInt32LE(i) !== 0x02014b50) continue;
    out.writeUInt32LE(Math.max(0, out.readUInt32LE(i + 24) + delta), i + 24);
  }
  return out;
}
