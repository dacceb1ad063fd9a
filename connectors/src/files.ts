import { readdir, realpath, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { FileReadError, readTextFile } from "@kiln/catalog/read";
import {
  type Connector,
  type ConnectTarget,
  type Diagnostic,
  isKind,
  KilnError,
  type Location,
  readSourceDocument,
  SpecError,
  validateDocument,
} from "@kiln/schemas";
import type { ConnectClientOptions } from "./client.js";
import type { Ownership } from "./planner.js";

export interface LoadedConnectorFile {
  doc: Connector;
  location: Location;
}

export interface LoadedTarget {
  target: ConnectTarget;
  location: Location;
}

export interface DeploymentFiles {
  connectors: LoadedConnectorFile[];
  targets: LoadedTarget[];
}

const YAML_FILE = /\.ya?ml$/;

function unreadable(file: string, message: string, code = "unreadable"): Diagnostic {
  return { severity: "error", code, message, location: { file } };
}

/**
 * Every `*.yaml`/`*.yml` under `dir` (recursively, following links), sorted. A link that leads
 * nowhere is listed too, so reading it reports it instead of skipping it.
 */
async function yamlFiles(dir: string, seen = new Set<string>()): Promise<string[]> {
  const real = await realpath(dir);
  if (seen.has(real)) return [];
  seen.add(real);
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const isDir =
      e.isDirectory() || (e.isSymbolicLink() && (await stat(p).catch(() => undefined))?.isDirectory());
    if (isDir) out.push(...(await yamlFiles(p, seen)));
    else if (YAML_FILE.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** Kinds kiln reads elsewhere: a directory may hold them beside connector files. */
const OTHER_KILN_KINDS = new Set(["Cluster", "ConnectorPlugin", "LicensePolicy"]);

/**
 * Reads the connector files (`kind: Connector`) and Connect targets (`kind: ConnectTarget`)
 * under the given files or directories. Every file is parsed by the YAML parser (the located
 * parse only for a file with findings) and classified
 * by the `kind` it holds: another kiln kind is left alone, but a file that does not parse, is
 * not a mapping, or names no kind or an unknown one is an error — a connector file kiln cannot
 * read must never look like a connector nobody declares. Every finding of every file is
 * reported at once.
 */
export async function loadDeploymentFiles(paths: string[]): Promise<DeploymentFiles> {
  const files: string[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const p of paths) {
    const info = await stat(p).catch((err: NodeJS.ErrnoException) => err);
    if (info instanceof Error) {
      throw new KilnError(info.code === "ENOENT" ? "no such file or directory" : info.message, {
        location: { file: p },
        cause: info,
      });
    }
    if (info.isDirectory()) {
      files.push(
        ...(await yamlFiles(p).catch((err: Error) => {
          throw new KilnError(`cannot read the directory: ${err.message}`, {
            location: { file: p },
            cause: err,
          });
        })),
      );
    } else files.push(p);
  }
  const out: DeploymentFiles = { connectors: [], targets: [] };
  for (const file of files) {
    let text: string;
    try {
      text = await readTextFile(file);
    } catch (err) {
      if (err instanceof SpecError) diagnostics.push(...err.diagnostics);
      else if (err instanceof FileReadError)
        diagnostics.push(
          unreadable(
            file,
            err.code === "ENOENT"
              ? "cannot be read: a symbolic link to nothing"
              : `cannot be read: ${err.userMessage}`,
          ),
        );
      else throw err;
      continue;
    }
    try {
      const doc = readSourceDocument(text, file);
      const value = doc.value as Record<string, unknown>;
      const kind = value && typeof value === "object" && !Array.isArray(value) ? value.kind : undefined;
      if (typeof kind === "string" && OTHER_KILN_KINDS.has(kind)) continue;
      if (kind !== "Connector" && kind !== "ConnectTarget") {
        const pos = doc.locate(["kind"]);
        diagnostics.push({
          severity: "error",
          code: "unknown-kind",
          message:
            value === null || typeof value !== "object" || Array.isArray(value)
              ? "is not a mapping: a connector directory holds Connector and ConnectTarget documents"
              : kind === undefined
                ? "has no `kind`: a connector directory holds Connector and ConnectTarget documents"
                : typeof kind !== "string"
                  ? `has a \`kind\` that is not a name (${Array.isArray(kind) ? "a list" : kind === null ? "null" : typeof kind === "object" ? "a mapping" : `a ${typeof kind}`}): a connector directory holds Connector and ConnectTarget documents`
                  : `has kind ${JSON.stringify(kind.slice(0, 60))}${isKind(kind) ? "" : ", which kiln does not know"}: a connector directory holds Connector and ConnectTarget documents`,
          location: { file, ...pos, path: "kind" },
        });
        continue;
      }
      const found = validateDocument(kind, doc);
      if (found.length > 0) {
        diagnostics.push(...found);
        continue;
      }
      const location = { file, line: 1 };
      if (kind === "Connector") out.connectors.push({ doc: value as unknown as Connector, location });
      else out.targets.push({ target: value as unknown as ConnectTarget, location });
    } catch (err) {
      if (err instanceof SpecError) diagnostics.push(...err.diagnostics);
      else throw err;
    }
  }
  const seen = new Map<string, Location>();
  for (const t of out.targets) {
    const first = seen.get(t.target.name);
    if (first)
      diagnostics.push({
        severity: "error",
        code: "duplicate-target",
        message: `Connect target ${t.target.name} is also declared in ${first.file}`,
        location: { ...t.location, path: "name" },
      });
    else seen.set(t.target.name, t.location);
  }
  if (diagnostics.length > 0) throw new SpecError(diagnostics);
  return out;
}

export class TargetConfigError extends KilnError {}

export function ownershipOf(target: ConnectTarget): Ownership {
  return { mode: target.ownership?.mode ?? "ignore", protect: target.ownership?.protect ?? [] };
}

/** Environments any of the files declares (for `--env`, which must name one of them). */
export function declaredEnvironments(files: DeploymentFiles): Set<string> {
  return new Set([
    ...files.targets.flatMap((t) => Object.keys(t.target.environments ?? {})),
    ...files.connectors.flatMap((c) => Object.keys(c.doc.environments ?? {})),
  ]);
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** Checks that a TLS file holds what its field says, so a wrong file is named as such. */
function checkPem(target: string, field: string, file: string, text: string): void {
  // node:crypto is loaded only for a target with TLS files: most commands never need it.
  const { createPrivateKey, X509Certificate } = process.getBuiltinModule("node:crypto");
  const blocks = [...text.matchAll(PEM_BLOCK)];
  const certs = blocks.filter((b) => b[1] === "CERTIFICATE");
  const where = `Connect target ${target}: tls.${field} (${file})`;
  if (field === "keyFile") {
    const key = blocks.find((b) => /PRIVATE KEY$/.test(b[1] ?? ""));
    if (!key) throw new TargetConfigError(`${where} holds no PEM private key (-----BEGIN PRIVATE KEY-----)`);
    if (/ENCRYPTED/.test(key[1] ?? ""))
      throw new TargetConfigError(
        `${where} is an encrypted key; kiln needs it unencrypted (mount it from a Secret)`,
      );
    try {
      createPrivateKey(key[0]);
    } catch (err) {
      throw new TargetConfigError(
        `${where} holds a private key that cannot be read (${(err as Error).message})`,
      );
    }
    return;
  }
  if (certs.length === 0)
    throw new TargetConfigError(
      `${where} is not a PEM certificate file: it must hold -----BEGIN CERTIFICATE----- blocks${blocks.length ? ` (it holds ${[...new Set(blocks.map((b) => b[1]))].join(", ")})` : ""}`,
    );
  for (const [i, c] of certs.entries()) {
    try {
      new X509Certificate(c[0]);
    } catch (err) {
      throw new TargetConfigError(
        `${where}: certificate ${i + 1} cannot be read (${(err as Error).message})`,
      );
    }
  }
}

/**
 * Client options for a target in `env`: URLs, auth read from the named environment variables,
 * TLS material read from files (relative to `baseDir`). Credentials never leave this object.
 */
export async function clientOptionsFor(
  target: ConnectTarget,
  opts: { env?: string; processEnv: NodeJS.ProcessEnv; baseDir: string },
): Promise<ConnectClientOptions> {
  const overlay = opts.env ? target.environments?.[opts.env] : undefined;
  const urls = overlay?.urls ?? target.urls;
  const auth = overlay?.auth ?? target.auth;
  const tls = overlay?.tls ?? target.tls;
  const authAt = overlay?.auth ? `environments.${opts.env}.auth` : "auth";
  const need = (field: string, name: string) => {
    const v = opts.processEnv[name];
    if (v === undefined || v === "") {
      throw new TargetConfigError(
        `Connect target ${target.name} needs the environment variable ${name} (${authAt}.${field}, for ${auth?.type} auth)`,
      );
    }
    return v;
  };
  const read = async (field: "caFile" | "certFile" | "keyFile") => {
    const file = tls?.[field];
    if (!file) return undefined;
    let text: string;
    try {
      text = await readTextFile(resolve(opts.baseDir, file), { display: file });
    } catch (err) {
      const why = err instanceof KilnError ? err.userMessage : (err as Error).message;
      throw new TargetConfigError(`Connect target ${target.name}: cannot read tls.${field} ${file}: ${why}`, {
        cause: err,
      });
    }
    checkPem(target.name, field, file, text);
    return text;
  };
  const [ca, cert, key] = await Promise.all([read("caFile"), read("certFile"), read("keyFile")]);
  if (Boolean(cert) !== Boolean(key))
    throw new TargetConfigError(
      `Connect target ${target.name}: a client certificate needs both tls.certFile and tls.keyFile`,
    );
  return {
    urls,
    ...(auth?.type === "basic"
      ? {
          auth: {
            type: "basic",
            username: need("usernameEnv", auth.usernameEnv),
            password: need("passwordEnv", auth.passwordEnv),
          },
        }
      : auth?.type === "bearer"
        ? { auth: { type: "bearer", token: need("tokenEnv", auth.tokenEnv) } }
        : {}),
    ...(ca || cert || key
      ? { tls: { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } }
      : {}),
  };
}
