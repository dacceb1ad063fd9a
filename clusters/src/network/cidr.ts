// IPv4 and IPv6 addresses and CIDR blocks as integers: enough to decide whether a
// NetworkPolicy `ipBlock` holds an address. Pure.

interface Address {
  family: 4 | 6;
  value: bigint;
}

function parseV4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(Number(p));
  }
  return v;
}

function parseV6(text: string): bigint | undefined {
  let head = text;
  let tail32: bigint | undefined;
  // An embedded IPv4 address (`::ffff:10.0.0.1`) supplies the last 32 bits.
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    tail32 = parseV4(text.slice(lastColon + 1));
    if (tail32 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(halves[0] ?? "");
  const right = halves.length === 2 ? groups(halves[1] ?? "") : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...right];
  let v = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(Number.parseInt(g, 16));
  }
  return tail32 === undefined ? v : (v & ~0xffffffffn) | tail32;
}

export function parseAddress(text: string): Address | undefined {
  if (text.includes(":")) {
    const value = parseV6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseV4(text);
  return value === undefined ? undefined : { family: 4, value };
}

/** Whether `address` lies in `cidr` (`10.0.0.0/16`, `2001:db8::/32`); false for malformed input or another family. */
export function inCidr(address: string, cidr: string): boolean {
  const slash = cidr.indexOf("/");
  if (slash < 0) return false;
  const net = parseAddress(cidr.slice(0, slash));
  const ip = parseAddress(address);
  const bits = net?.family === 4 ? 32 : 128;
  const prefix = Number(cidr.slice(slash + 1));
  if (!net || !ip || net.family !== ip.family || !Number.isInteger(prefix) || prefix < 0 || prefix > bits)
    return false;
  const shift = BigInt(bits - prefix);
  return ip.value >> shift === net.value >> shift;
}

/** The address `offset` past the start of `cidr` (an address inside a declared block, for a synthetic client). */
export function addressIn(cidr: string, offset: number): string | undefined {
  const [base, prefixText] = cidr.split("/");
  const net = base === undefined ? undefined : parseAddress(base);
  const prefix = Number(prefixText);
  if (!net || !Number.isInteger(prefix)) return undefined;
  const bits = net.family === 4 ? 32 : 128;
  const size = 1n << BigInt(bits - prefix);
  const start = (net.value >> BigInt(bits - prefix)) << BigInt(bits - prefix);
  const value = start + (BigInt(offset) % size);
  if (net.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join(".");
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((value >> s) & 0xffffn).toString(16));
  return groups.join(":");
}
