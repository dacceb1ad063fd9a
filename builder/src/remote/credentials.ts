import { spawn } from "node:child_process";
import { homedir } from "node:os";
import { join } from "node:path";
import { FileReadError, readTextFile } from "@kiln/catalog/files";
import { KilnError } from "@kiln/schemas/core";

export interface Credentials {
  username: string;
  password: string;
}

/** Looks up credentials for a registry host; undefined means anonymous. */
export type CredentialSource = (registry: string) => Promise<Credentials | undefined>;

export class CredentialHelperError extends KilnError {}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** A Docker config file, checked: a corrupt one is named, not read as anonymous access. */
export function parseDockerConfig(text: string, file: string): DockerConfig {
  const bad = (why: string) =>
    new CredentialHelperError(`${why}; fix it or run docker login again`, { location: { file } });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw bad(`not valid JSON (${(err as Error).message})`);
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw bad("not a JSON object");
  const cfg = value as Record<string, unknown>;
  const isMap = (v: unknown) => v === undefined || (typeof v === "object" && v !== null && !Array.isArray(v));
  if (!isMap(cfg.auths)) throw bad("`auths` is not an object");
  if (!isMap(cfg.credHelpers)) throw bad("`credHelpers` is not an object");
  if (cfg.credsStore !== undefined && typeof cfg.credsStore !== "string")
    throw bad("`credsStore` is not a string");
  for (const [host, helper] of Object.entries((cfg.credHelpers ?? {}) as object))
    if (typeof helper !== "string" || !/^[A-Za-z0-9_.-]+$/.test(helper))
      throw bad(`\`credHelpers["${host}"]\` is not a helper name`);
  for (const [host, a] of Object.entries((cfg.auths ?? {}) as object)) {
    if (!a || typeof a !== "object") throw bad(`\`auths["${host}"]\` is not an object`);
    for (const k of ["auth", "username", "password", "identitytoken"] as const)
      if (
        (a as Record<string, unknown>)[k] !== undefined &&
        typeof (a as Record<string, unknown>)[k] !== "string"
      )
        throw bad(`\`auths["${host}"].${k}\` is not a string`);
  }
  if (typeof cfg.credsStore === "string" && !/^[A-Za-z0-9_.-]+$/.test(cfg.credsStore))
    throw bad("`credsStore` is not a helper name");
  return cfg as DockerConfig;
}

/** Docker writes Hub credentials under its v1 URL, other registries under host or URL. */
function hostsFor(registry: string): string[] {
  if (registry === "index.docker.io" || registry === "docker.io")
    return ["https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"];
  return [
    registry,
    `https://${registry}`,
    `http://${registry}`,
    `https://${registry}/v1/`,
    `https://${registry}/v2/`,
  ];
}

/** Runs `docker-credential-<helper> get`; a helper that does not know the host prints "credentials not found". */
export async function runCredentialHelper(
  helper: string,
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credentials | undefined> {
  const bin = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    // A helper that waits for a prompt nobody answers must not hold the command forever.
    const child = spawn(bin, ["get"], { env, stdio: ["pipe", "pipe", "pipe"], timeout: 60_000 });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", (e) =>
      reject(
        new CredentialHelperError(`credential helper ${bin} could not be run (is it on PATH?)`, { cause: e }),
      ),
    );
    child.on("close", (code) => {
      if (code !== 0) {
        if (/credentials not found/i.test(out + err)) return resolve(undefined);
        return reject(
          new CredentialHelperError(
            `credential helper ${bin} failed for ${registry} (exit ${code}): ${err.trim().slice(0, 200)}`,
          ),
        );
      }
      try {
        const parsed = JSON.parse(out) as { Username?: unknown; Secret?: unknown };
        if (typeof parsed?.Secret !== "string" || parsed.Secret === "") return resolve(undefined);
        resolve({
          username: typeof parsed.Username === "string" ? parsed.Username : "",
          password: parsed.Secret,
        });
      } catch (e) {
        reject(
          new CredentialHelperError(`credential helper ${bin} printed something that is not JSON`, {
            cause: e,
          }),
        );
      }
    });
    child.stdin.end(registry);
  });
}

/**
 * Credentials the way the docker CLI finds them: `$DOCKER_CONFIG/config.json`
 * (or `~/.docker/config.json`): `credHelpers[host]`, then `credsStore`, then `auths`.
 */
export function dockerConfigCredentials(env: NodeJS.ProcessEnv = process.env): CredentialSource {
  let config: Promise<DockerConfig> | undefined;
  const file = join(env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), ".docker"), "config.json");
  const load = () => {
    config ??= readTextFile(file, { maxBytes: 4 << 20 }).then(
      (t) => parseDockerConfig(t, file),
      (err: unknown) => {
        // No config is anonymous access; one kiln cannot read is an error (as for the docker CLI).
        if (err instanceof FileReadError && err.code === "ENOENT") return {};
        throw err;
      },
    );
    return config;
  };
  return async (registry) => {
    const cfg = await load();
    const hosts = hostsFor(registry);
    for (const h of hosts) {
      const helper = cfg.credHelpers?.[h];
      if (helper) return runCredentialHelper(helper, h, env);
    }
    if (cfg.credsStore) {
      const found = await runCredentialHelper(cfg.credsStore, hosts[0] as string, env);
      if (found) return found;
    }
    for (const h of hosts) {
      const a = cfg.auths?.[h];
      if (!a) continue;
      if (a.username && a.password) return { username: a.username, password: a.password };
      if (a.auth) {
        const decoded = Buffer.from(a.auth, "base64").toString("utf8");
        const i = decoded.indexOf(":");
        if (i > 0) return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
      }
    }
    return undefined;
  };
}

/** Explicit credentials for some hosts, falling back to another source. */
export function staticCredentials(
  map: Record<string, Credentials>,
  fallback?: CredentialSource,
): CredentialSource {
  return async (registry) => map[registry] ?? (fallback ? fallback(registry) : undefined);
}

export interface Challenge {
  scheme: "basic" | "bearer";
  params: Record<string, string>;
}

/** Parses `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` (quoted values may hold commas). */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = (m[1] ?? "").toLowerCase();
  if (scheme !== "basic" && scheme !== "bearer") return undefined;
  const params: Record<string, string> = {};
  const re = /(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (let p = re.exec(m[2] ?? ""); p; p = re.exec(m[2] ?? ""))
    params[(p[1] ?? "").toLowerCase()] = p[2] ?? p[3] ?? "";
  return { scheme, params };
}
