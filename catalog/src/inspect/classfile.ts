// The start of a JVM class file (JVMS §4.1): enough to know a class's name, supertypes and
// modifiers without a JVM. Everything after the interfaces table (fields, methods, code) is
// never read.

export const ACC_PUBLIC = 0x0001;
export const ACC_INTERFACE = 0x0200;
export const ACC_ABSTRACT = 0x0400;
export const ACC_ANNOTATION = 0x2000;
export const ACC_ENUM = 0x4000;
export const ACC_MODULE = 0x8000;

export interface ClassHeader {
  /** Binary name with dots: `com.x.Outer$Inner`. */
  name: string;
  /** Undefined for java.lang.Object and module-info. */
  superName: string | undefined;
  interfaces: string[];
  access: number;
}

/** A class Connect could instantiate as a plugin: public, concrete, neither enum nor annotation. */
export function isInstantiable(h: ClassHeader): boolean {
  return (
    (h.access & ACC_PUBLIC) !== 0 &&
    (h.access & (ACC_INTERFACE | ACC_ABSTRACT | ACC_ANNOTATION | ACC_ENUM | ACC_MODULE)) === 0
  );
}

/** Thrown for bytes that are not a well-formed class file header. */
export class ClassFormatError extends Error {}

/**
 * Parses the header of a class file; throws ClassFormatError when the bytes are not one (wrong
 * magic, truncated, a constant-pool index out of range or of the wrong kind).
 */
export function parseClassHeader(buf: Buffer): ClassHeader {
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > buf.length) throw new ClassFormatError("truncated class file");
  };
  const u1 = () => {
    need(1);
    return buf.readUInt8(pos++);
  };
  const u2 = () => {
    need(2);
    const v = buf.readUInt16BE(pos);
    pos += 2;
    return v;
  };
  need(4);
  if (buf.readUInt32BE(0) !== 0xcafebabe) throw new ClassFormatError("not a class file (bad magic)");
  pos = 8; // magic, minor, major
  const count = u2();
  // Per slot: the UTF-8 text (tag 1) or the name index of a Class entry (tag 7).
  const utf8 = new Map<number, string>();
  const classNames = new Map<number, number>();
  for (let i = 1; i < count; i++) {
    const tag = u1();
    switch (tag) {
      case 1: {
        const len = u2();
        need(len);
        // Modified UTF-8 differs from UTF-8 only for NUL and supplementary characters: not in names we compare.
        utf8.set(i, buf.toString("utf8", pos, pos + len));
        pos += len;
        break;
      }
      case 7:
        classNames.set(i, u2());
        break;
      case 8:
      case 16:
      case 19:
      case 20:
        pos += 2;
        break;
      case 15:
        pos += 3;
        break;
      case 3:
      case 4:
      case 9:
      case 10:
      case 11:
      case 12:
      case 17:
      case 18:
        pos += 4;
        break;
      case 5:
      case 6:
        // Longs and doubles take two slots.
        pos += 8;
        i++;
        break;
      default:
        throw new ClassFormatError(`unknown constant-pool tag ${tag} at slot ${i}`);
    }
  }
  const className = (index: number): string => {
    const nameIndex = classNames.get(index);
    const text = nameIndex === undefined ? undefined : utf8.get(nameIndex);
    if (text === undefined) throw new ClassFormatError(`constant-pool slot ${index} is not a class`);
    return text.replace(/\//g, ".");
  };
  const access = u2();
  const name = className(u2());
  const superIndex = u2();
  const interfaces: string[] = [];
  for (let n = u2(); n > 0; n--) interfaces.push(className(u2()));
  return { name, superName: superIndex === 0 ? undefined : className(superIndex), interfaces, access };
}
