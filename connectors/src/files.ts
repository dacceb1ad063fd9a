import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  type Connector,
  type ConnectTarget,
  KilnError,
  type Location,
  loadSpec,
  SpecError,
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

/** Every `*.yaml`/`*.yml` under `dir` (recursively), sorted. */
async function yamlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await yamlFiles(p)));
    else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

/**
 * Reads the connector files (`kind: Connector`) and Connect targets (`kind: ConnectTarget`)
 * under the given files or directories. Other kinds are skipped. Every schema error of every
 * file is reported at once.
 */
export async function loadDeploymentFiles(paths: string[]): Promise<DeploymentFiles> {
  const files: string[] = [];
  for (const p of paths) {
    try {
      files.push(...(await yamlFiles(p)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOTDIR") files.push(p);
      else throw new KilnError(`cannot read ${p}: ${(err as Error).message}`, { cause: err });
    }
  }
  const out: DeploymentFiles = { connectors: [], targets: [] };
  const diagnostics: SpecError["diagnostics"] = [];
  for (const file of files) {
    const text = await readFile(file, "utf8");
    // Top-level `kind:` in block YAML, or `"kind":` in a flow/JSON document.
    const kind = (/^kind:\s*"?([A-Za-z]+)/m.exec(text) ?? /"kind"\s*:\s*"([A-Za-z]+)"/.exec(text))?.[1];
    if (kind !== "Connector" && kind !== "ConnectTarget") continue;
    try {
      const loaded = loadSpec(text, file, kind);
      const location = { file, line: 1 };
      if (kind === "Connector") out.connectors.push({ doc: loaded.value as Connector, location });
      else out.targets.push({ target: loaded.value as ConnectTarget, location });
    } catch (err) {
      if (err instanceof SpecError) diagnostics.push(...err.diagnostics);
      else throw err;
    }
  }
  if (diagnostics.length > 0) throw new SpecError(diagnostics);
  const seen = new Map<string, Location>();
  for (const t of out.targets) {
    if (seen.has(t.target.name)) {
      throw new KilnError(`Connect target ${t.target.name} is declared twice`, { location: t.location });
    }
    seen.set(t.target.name, t.location);
  }
  return out;
}

export class TargetConfigError extends KilnError {}

export function ownershipOf(target: ConnectTarget): Ownership {
  return { mode: target.ownership?.mode ?? "ignore", protect: target.ownership?.protect ?? [] };
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
  const need = (name: string) => {
    const v = opts.processEnv[name];
    if (v === undefined || v === "") {
      throw new TargetConfigError(
        `Connect target ${target.name} needs the environment variable ${name} (for its ${auth?.type} auth)`,
      );
    }
    return v;
  };
  const read = async (file: string | undefined) => {
    if (!file) return undefined;
    try {
      return await readFile(resolve(opts.baseDir, file), "utf8");
    } catch (err) {
      throw new TargetConfigError(`Connect target ${target.name}: cannot read ${file}`, { cause: err });
    }
  };
  const [ca, cert, key] = await Promise.all([read(tls?.caFile), read(tls?.certFile), read(tls?.keyFile)]);
  return {
    urls,
    ...(auth?.type === "basic"
      ? { auth: { type: "basic", username: need(auth.usernameEnv), password: need(auth.passwordEnv) } }
      : auth?.type === "bearer"
        ? { auth: { type: "bearer", token: need(auth.tokenEnv) } }
        : {}),
    ...(ca || cert || key
      ? { tls: { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } }
      : {}),
  };
}
