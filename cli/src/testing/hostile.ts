// The harness of the hostile-input tests: a sandboxed repository per run, a loopback fault
// injector standing in for Connect workers and registries (it answers what a test scripts, and
// nothing a real peer would), and the invariants every kiln run must keep whatever it is fed.
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, parse, relative, resolve, sep } from "node:path";
import { HttpClient, lockCatalog, readCatalog } from "@kiln/catalog";
import { LoopbackServer, makeJar, sha512 } from "@kiln/catalog/testing";
import { EXIT_CODES } from "../exit.js";
import { runCli } from "./run-cli.js";

/** Every value marked secret in a sandbox contains this; no output may. */
export const SECRET = "S3CR3T";
export const CONNECT_PASSWORD = `${SECRET}-connect-pw`;
export const REGISTRY_PASSWORD = `${SECRET}-registry-pw`;

const repo = new URL("../../../", import.meta.url).pathname;
const SOURCE = "org.apache.kafka.connect.source.SourceConnector";
export const JAR = makeJar({
  classes: ["io.example.PgSource"],
  services: { [SOURCE]: ["io.example.PgSource"] },
});
export const JAR_URL = "https://plugins.example.com/pg-1.0.0.jar";

export function catalogEntry(url = JAR_URL, sha = sha512(JAR)): string {
  return `apiVersion: kiln.dev/v1
kind: ConnectorPlugin
name: pg
title: pg connector
type: source
version: 1.0.0
license: Apache-2.0
kafka: ">=4.2.0 <5.0.0"
owners: [data-platform]
classes:
  - class: io.example.PgSource
    type: source
artifacts:
  - type: jar
    url: ${url}
    sha512: "${sha}"
`;
}

/** A scripted answer of the fault injector. */
export type Reply =
  | { status: number; body?: string; headers?: Record<string, string> }
  | { hang: true }
  | { reset: true };

/**
 * A loopback HTTP server answering each `METHOD /path?query` (or `METHOD /path`, any query) from
 * a script the test sets; unscripted requests get a 404. It records the requests it saw.
 */
export class FaultServer {
  script = new Map<string, Reply>();
  seen: Array<{ method: string; path: string; body: string }> = [];
  url = "";
  host = "";
  #server: Server | undefined;

  async start(): Promise<this> {
    this.#server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
      let body = "";
      for await (const c of req) body += c;
      const path = req.url ?? "/";
      this.seen.push({ method: req.method ?? "", path, body });
      const reply = this.script.get(`${req.method} ${path}`) ??
        this.script.get(`${req.method} ${path.split("?")[0]}`) ?? {
          status: 404,
          body: '{"error_code":404,"message":"not scripted"}',
        };
      if ("hang" in reply) return;
      if ("reset" in reply) {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      res.end(reply.body ?? "");
    });
    await new Promise<void>((r) => this.#server?.listen(0, "127.0.0.1", r));
    this.host = `127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    this.url = `http://${this.host}`;
    return this;
  }

  set(script: Record<string, Reply>): void {
    this.script = new Map(Object.entries(script).map(([k, v]) => [k.replace("{host}", this.host), v]));
    this.seen = [];
  }

  async stop(): Promise<void> {
    const s = this.#server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}

/** One change to a JSON file: set (or delete) the value at `path`, or push onto the list there. */
export interface JsonOp {
  path: Array<string | number>;
  value?: unknown;
  push?: unknown;
  delete?: boolean;
}

/**
 * A file of a sandbox: text, bytes, a symbolic link, or the template's own file changed (JSON
 * operations, text replacements, a byte-order mark in front).
 */
export type FileSpec =
  | string
  | { base64: string }
  | { symlink: string }
  | { patch?: JsonOp[]; replace?: Array<[string, string]>; bom?: boolean };

function applyOps(value: unknown, ops: JsonOp[]): unknown {
  for (const op of ops) {
    let node = value as Record<string | number, unknown>;
    for (const seg of op.path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
    const last = op.path.at(-1) as string | number;
    if (op.delete) delete node[last];
    else if (op.push !== undefined) (node[last] as unknown[]).push(op.push);
    else node[last] = op.value;
  }
  return value;
}

/**
 * A template repository (catalog entry, lock, plugin files in the cache, a ConnectTarget and a
 * connector) built once; each run gets a copy of it in a directory of its own.
 */
export class Sandboxes {
  readonly root: string;
  readonly template: string;
  #n = 0;

  private constructor(root: string) {
    this.root = root;
    this.template = join(root, "template");
  }

  static async create(connect: FaultServer): Promise<Sandboxes> {
    const s = new Sandboxes(mkdtempSync(join(tmpdir(), "kiln-hostile-")));
    const work = join(s.template, "work");
    const cache = join(s.template, "cache");
    mkdirSync(join(work, "catalog/connectors"), { recursive: true });
    cpSync(join(repo, "catalog/license-policy.yaml"), join(work, "catalog/license-policy.yaml"));
    writeFileSync(join(work, "catalog/connectors/pg.yaml"), catalogEntry());
    // The cache is filled from a loopback server, so every run is offline.
    const files = await new LoopbackServer().start();
    files.file("/pg-1.0.0.jar", JAR);
    try {
      const { catalog } = await readCatalog(join(work, "catalog/connectors"), { cwd: work });
      const { Catalog } = await import("@kiln/catalog");
      const loopback = new Catalog([
        {
          entry: {
            ...(catalog?.get("pg") as object),
            artifacts: [{ type: "jar", url: `${files.url}/pg-1.0.0.jar`, sha512: sha512(JAR) }],
          } as never,
          source: { file: "pg.yaml" } as never,
        },
      ]);
      await lockCatalog(loopback, undefined, undefined, {
        cacheDir: cache,
        env: {},
        http: new HttpClient({ allowInsecureLoopback: true }),
      });
    } finally {
      await files.stop();
    }
    const locked = await runCli(["lock"], { cwd: work, env: { KILN_CACHE: cache, CI: "true" } });
    if (locked.code !== 0) throw new Error(`template lock failed: ${locked.stderr}`);
    mkdirSync(join(work, "connectors"), { recursive: true });
    writeFileSync(join(work, "connectors/_local.yaml"), targetFile(connect.url));
    writeFileSync(join(work, "connectors/orders.yaml"), connectorFile("orders"));
    mkdirSync(join(work, "plugin-dir/lib"), { recursive: true });
    writeFileSync(join(work, "plugin-dir/lib/pg-1.0.0.jar"), JAR);
    return s;
  }

  /** A fresh copy of the template, with `files` written over it (paths relative to work/). */
  sandbox(files: Record<string, FileSpec> = {}): Sandbox {
    const dir = join(this.root, `s${++this.#n}`);
    cpSync(this.template, dir, { recursive: true, verbatimSymlinks: true });
    const work = join(dir, "work");
    for (const [path, spec] of Object.entries(files)) {
      const target = resolve(work, path);
      mkdirSync(dirname(target), { recursive: true });
      if (typeof spec === "object" && !("base64" in spec) && !("symlink" in spec)) {
        let text = readFileSync(target, "utf8");
        if (spec.patch) text = `${JSON.stringify(applyOps(JSON.parse(text), spec.patch), null, 2)}\n`;
        for (const [from, to] of spec.replace ?? []) text = text.replaceAll(from, to);
        writeFileSync(target, spec.bom ? `\uFEFF${text}` : text);
        continue;
      }
      rmSync(target, { force: true, recursive: true });
      if (typeof spec === "string") writeFileSync(target, spec);
      else if ("base64" in spec) writeFileSync(target, Buffer.from(spec.base64, "base64"));
      else symlinkSync(spec.symlink, target);
    }
    return new Sandbox(dir, this.root);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export function targetFile(url: string, extra = ""): string {
  return `apiVersion: kiln.dev/v1
kind: ConnectTarget
name: local
urls: [${url}]
auth: { type: basic, usernameEnv: CONNECT_USER, passwordEnv: CONNECT_PASSWORD }
ownership: { mode: prune }
${extra}`;
}

export function connectorFile(name: string, config = "  topics: orders\n  file: /tmp/orders.txt\n"): string {
  return `apiVersion: kiln.dev/v1
kind: Connector
name: ${name}
connectCluster: local
plugin: { name: file, class: org.apache.kafka.connect.file.FileStreamSinkConnector }
config:
${config}`;
}

/** What a file tree looks like: path → size and content digest (links by their target). */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.set(p, "link");
      else if (st.isDirectory()) {
        out.set(p, "dir");
        walk(p);
      } else out.set(p, createHash("sha256").update(readFileSync(p)).digest("hex"));
    }
  };
  walk(dir);
  return out;
}

export class Sandbox {
  readonly work: string;
  readonly cache: string;
  readonly home: string;
  #before: Map<string, string> | undefined;

  constructor(
    readonly dir: string,
    readonly root: string,
  ) {
    this.work = join(dir, "work");
    this.cache = join(dir, "cache");
    this.home = join(dir, "home");
    mkdirSync(join(this.home, ".docker"), { recursive: true });
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      KILN_CACHE: this.cache,
      HOME: this.home,
      DOCKER_CONFIG: join(this.home, ".docker"),
      CONNECT_USER: "kiln",
      CONNECT_PASSWORD,
      CI: "true",
      ...extra,
    };
  }

  /** Runs kiln in the sandbox; the tree is snapshot first, for {@link checkInvariants}. */
  async run(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.#before = snapshot(this.root);
    return runCli(args, { cwd: this.work, env: this.env(env) });
  }

  /** Paths created or changed by the last run outside the places kiln may write to. */
  writesOutside(allowed: string[]): string[] {
    const before = this.#before ?? new Map();
    const after = snapshot(this.root);
    const ok = [this.cache, ...allowed.map((a) => resolve(this.work, a))];
    const inside = (p: string) => ok.some((a) => p === a || p.startsWith(`${a}${sep}`));
    // A directory made on the way to an allowed place is no write outside it.
    const onTheWay = (p: string, what: string) =>
      what === "dir" && ok.some((a) => a.startsWith(`${p}${sep}`));
    const changed: string[] = [];
    for (const [p, digest] of after)
      if (before.get(p) !== digest && !inside(p) && !onTheWay(p, digest))
        changed.push(relative(this.root, p));
    for (const p of before.keys())
      if (!after.has(p) && !inside(p)) changed.push(`${relative(this.root, p)} (deleted)`);
    return changed;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Files named `name` in any directory above the sandbox (where a path that climbs out lands). */
export function escapedAbove(dir: string, name: string): string[] {
  const out: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, name))) out.push(join(d, name));
    if (d === parse(d).root) return out;
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The invariants of every run, whatever the input: no "internal error", an exit code kiln
 * documents, no value marked secret in any output, nothing written outside the places the
 * command may write (`allowed`, relative to work/, plus the cache), and — when the input is
 * known to be bad — no success.
 */
export function invariantViolations(
  sandbox: Sandbox,
  r: RunResult,
  opts: { allowed?: string[]; mustFail?: boolean; escaped?: string } = {},
): string[] {
  const out: string[] = [];
  const all = `${r.stdout}\n${r.stderr}`;
  if (/internal error/i.test(all)) out.push(`printed an internal error:\n${r.stderr}`);
  if (!EXIT_CODES.some((e) => e.code === r.code))
    out.push(`exit code ${r.code}, which kiln does not document`);
  if (opts.mustFail && r.code === 0) out.push(`exit 0 on a failed operation:\n${r.stdout}\n${r.stderr}`);
  if (all.includes(SECRET)) out.push(`printed a secret:\n${all}`);
  const outside = sandbox.writesOutside(opts.allowed ?? []);
  if (outside.length > 0) out.push(`wrote outside its target: ${outside.join(", ")}`);
  if (opts.escaped) {
    const found = escapedAbove(sandbox.cache, opts.escaped);
    if (found.length > 0) out.push(`a lock path climbed out: ${found.join(", ")}`);
  }
  return out;
}
