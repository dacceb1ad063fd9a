// Kubernetes Secrets of a local cluster as files: `<dir>/<secret>/<key>`, the layout a Secret
// volume has in a pod. Strimzi's operators write the CA and user Secrets here; Secrets the
// cluster only references (an OAuth client secret, a listener certificate, a trust store) come
// from the user's directory with the same layout per namespace (`<dir>/<namespace>/<secret>/<key>`).
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalRuntimeError } from "./errors.js";

const SAFE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const SAFE_KEY = /^[-._a-zA-Z0-9]+$/;

export class SecretStore {
  constructor(
    /** This cluster's own Secrets. */
    readonly dir: string,
    readonly namespace: string,
    /** Secrets the user provides, per namespace; consulted after the cluster's own. */
    private readonly userDir?: string,
  ) {}

  private check(name: string, key: string) {
    if (!SAFE.test(name) || !SAFE_KEY.test(key) || key === "." || key === "..")
      throw new LocalRuntimeError(`Secret ${name} key ${key} is not a valid Secret name and key`);
  }

  async put(name: string, key: string, value: string): Promise<string> {
    this.check(name, key);
    await mkdir(join(this.dir, name), { recursive: true, mode: 0o700 });
    const file = join(this.dir, name, key);
    await writeFile(file, value, { mode: 0o600 });
    return file;
  }

  async putFile(name: string, key: string, from: string): Promise<string> {
    this.check(name, key);
    await mkdir(join(this.dir, name), { recursive: true, mode: 0o700 });
    const file = join(this.dir, name, key);
    await copyFile(from, file);
    return file;
  }

  /** The file holding a Secret's key, or a located error saying where to put it. */
  path(name: string, key: string, usedBy: string): string {
    this.check(name, key);
    const own = join(this.dir, name, key);
    if (existsSync(own)) return own;
    if (this.userDir) {
      const provided = join(this.userDir, this.namespace, name, key);
      if (existsSync(provided)) return provided;
    }
    throw new LocalRuntimeError(
      `${usedBy} needs key ${key} of Secret ${this.namespace}/${name}, which no operator creates: put it in ${
        this.userDir
          ? join(this.userDir, this.namespace, name, key)
          : `a --secrets directory as ${this.namespace}/${name}/${key}`
      }`,
    );
  }

  /** The directory of a whole Secret (a Secret volume). */
  directory(name: string, usedBy: string): string {
    this.check(name, "x");
    const own = join(this.dir, name);
    if (existsSync(own)) return own;
    const provided = this.userDir ? join(this.userDir, this.namespace, name) : undefined;
    if (provided && existsSync(provided)) return provided;
    throw new LocalRuntimeError(
      `${usedBy} mounts Secret ${this.namespace}/${name}, which no operator creates: put its keys in ${
        provided ?? `a --secrets directory as ${this.namespace}/${name}/<key>`
      }`,
    );
  }

  async read(name: string, key: string, usedBy: string): Promise<string> {
    return readFile(this.path(name, key, usedBy), "utf8");
  }
}
