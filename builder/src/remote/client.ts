import type { Readable } from "node:stream";
import { type Digest, sha256Digest } from "../model/digest.js";
import { RegistryError } from "./errors.js";
import type { Reference } from "./reference.js";
import { Transport, type TransportOptions } from "./transport.js";

export interface ClientOptions extends TransportOptions {
  /** Blobs uploaded at once. */
  concurrency?: number;
  /** 0 (default): one PUT per blob; otherwise PATCH chunks of this many bytes, then PUT. */
  chunkSize?: number;
}

/** The entry point to registries: one `Transport` (auth state, connections) per registry host. */
export class RegistryClient {
  private readonly transports = new Map<string, Transport>();

  constructor(readonly options: ClientOptions = {}) {}

  transport(registry: string): Transport {
    let t = this.transports.get(registry);
    if (!t) {
      t = new Transport(registry, this.options);
      this.transports.set(registry, t);
    }
    return t;
  }

  /** Streams a blob (following the registry's redirect to storage if any). */
  async getBlob(ref: Reference, digest: Digest): Promise<Readable> {
    const res = await this.transport(ref.registry).send({
      method: "GET",
      url: `/v2/${ref.repository}/blobs/${digest}`,
      scopes: [`repository:${ref.repository}:pull`],
      expect: [200],
      what: `fetch blob ${digest}`,
      stream: true,
    });
    return res.stream as Readable;
  }

  /** Reads a small blob (a config) whole, checking its digest. */
  async readBlob(ref: Reference, digest: Digest): Promise<Buffer> {
    const t = this.transport(ref.registry);
    const res = await t.send({
      method: "GET",
      url: `/v2/${ref.repository}/blobs/${digest}`,
      scopes: [`repository:${ref.repository}:pull`],
      expect: [200],
      what: `fetch blob ${digest}`,
    });
    if (sha256Digest(res.body) !== digest)
      throw new RegistryError({
        message: `blob ${digest} from ${ref.registry} does not match its digest`,
        url: `${t.base}/v2/${ref.repository}/blobs/${digest}`,
      });
    return res.body;
  }

  async close(): Promise<void> {
    await Promise.all([...this.transports.values()].map((t) => t.close()));
    this.transports.clear();
  }
}
