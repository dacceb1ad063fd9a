import { createHash } from "node:crypto";

/** `sha256:<64 hex>`; the only algorithm kiln writes. */
export type Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function isDigest(s: string): s is Digest {
  return DIGEST_RE.test(s);
}

export function parseDigest(s: string): Digest {
  if (!isDigest(s)) throw new Error(`not a sha256 digest: ${s}`);
  return s;
}

export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

export function digestHex(d: Digest): string {
  return d.slice("sha256:".length);
}
