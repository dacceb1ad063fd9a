// Kubernetes Secrets of a local cluster as files: `<root>/<namespace>/<secret>/<key>`, the
// layout of a Secret volume per namespace. Strimzi's operators write the CA and user Secrets
// here; Secrets the cluster only references (an OAuth client secret, a listener certificate, a
// trust store) are copied in from the user's directory with the same layout. Connect workers
// run in the root, so `${secrets:<namespace>/<secret>:<key>}` resolves with Kafka's
// DirectoryConfigProvider as it would with Strimzi's Kubernetes provider.
import { existsSync } from "node:fs";
import { copyFile, cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalRuntimeError } from "./errors.js";

const SAFE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const SAFE_KEY = /^[-._a-zA-Z0-9]+$/;

export class SecretStore {
  private constructor(
    /** `<root>/<namespace>/<secret>/<key>`. */
    readonly root: string,
    readonly namespace: string,
  ) {}

  /** A store for one cluster, holding the user's Secrets for its namespaces (never overwriting the operators'). */
  static async create(root: string, namespace: string, userDir?: string): Promise<SecretStore> {
    await mkdir(join(root, namespace), { recursive: true, mode: 0o700 });
    if (userDir && existsSync(userDir))
      await cp(userDir, root, { recursive: true, force: false, errorOnExist: false });
    return new SecretStore(root, namespace);
  }

  private check(name: string, key?: string) {
    if (!SAFE.test(name) || (key !== undefined && (!SAFE_KEY.test(key) || key === "." || key === "..")))
      throw new LocalRuntimeError(
        `${name}${key ? ` key ${key}` : ""} is not a valid Secret name${key ? " and key" : ""}`,
      );
  }

  async put(name: string, key: string, value: string): Promise<string> {
    this.check(name, key);
    await mkdir(join(this.root, this.namespace, name), { recursive: true, mode: 0o700 });
    const file = join(this.root, this.namespace, name, key);
    await writeFile(file, value, { mode: 0o600 });
    return file;
  }

  async putFile(name: string, key: string, from: string): Promise<string> {
    this.check(name, key);
    await mkdir(join(this.root, this.namespace, name), { recursive: true, mode: 0o700 });
    const file = join(this.root, this.namespace, name, key);
    await copyFile(from, file);
    return file;
  }

  private missing(name: string, usedBy: string, key?: string): LocalRuntimeError {
    return new LocalRuntimeError(
      `${usedBy} needs ${key ? `key ${key} of ` : ""}Secret ${this.namespace}/${name}, which no operator creates: put it in the --secrets directory as ${this.namespace}/${name}/${key ?? "<key>"}`,
    );
  }

  /** The file holding a Secret's key, or a located error saying where to put it. */
  path(name: string, key: string, usedBy: string): string {
    this.check(name, key);
    const file = join(this.root, this.namespace, name, key);
    if (!existsSync(file)) throw this.missing(name, usedBy, key);
    return file;
  }

  /** The directory of a whole Secret (a Secret volume). */
  directory(name: string, usedBy: string): string {
    this.check(name);
    const dir = join(this.root, this.namespace, name);
    if (!existsSync(dir)) throw this.missing(name, usedBy);
    return dir;
  }

  async read(name: string, key: string, usedBy: string): Promise<string> {
    return readFile(this.path(name, key, usedBy), "utf8");
  }
}
