import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { MAVEN_CENTRAL } from "../lock/sources.js";

export interface MavenMirror {
  id: string;
  mirrorOf: string;
  url: string;
}

export interface MavenServer {
  id: string;
  username?: string;
  password?: string;
  /** Extra HTTP headers (`<configuration><httpHeaders>`), e.g. a token header for Artifactory. */
  headers: Record<string, string>;
}

export interface MavenSettings {
  mirrors: MavenMirror[];
  servers: MavenServer[];
  /** `KILN_MAVEN_REPOSITORY`: replaces every repository, as a mirrorOf `*` would. */
  override?: string;
}

function stripComments(xml: string): string {
  return xml.replace(/<!--[\s\S]*?-->/g, "");
}

function blocks(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, "g"))].map(
    (m) => m[1] ?? "",
  );
}

/** The five XML entities, decoded. */
export function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

/** `${env.NAME}` as Maven interpolates it in settings.xml. */
function interpolate(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/\$\{env\.([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? "");
}

function text(xml: string, tag: string, env: NodeJS.ProcessEnv): string | undefined {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return m ? interpolate(unescapeXml((m[1] ?? "").trim()), env) : undefined;
}

/** Parses the parts of settings.xml kiln honours: mirrors and server credentials. Pure. */
export function parseMavenSettings(xml: string, env: NodeJS.ProcessEnv = {}): MavenSettings {
  const doc = stripComments(xml);
  const mirrors = blocks(doc, "mirror").flatMap((m) => {
    const id = text(m, "id", env);
    const url = text(m, "url", env);
    const mirrorOf = text(m, "mirrorOf", env);
    return id && url && mirrorOf ? [{ id, url: url.replace(/\/+$/, ""), mirrorOf }] : [];
  });
  const servers = blocks(doc, "server").flatMap((s) => {
    const id = text(s, "id", env);
    if (!id) return [];
    const headers: Record<string, string> = {};
    for (const p of blocks(s, "property")) {
      const name = text(p, "name", env);
      const value = text(p, "value", env);
      if (name && value !== undefined) headers[name] = value;
    }
    const username = text(s, "username", env);
    const password = text(s, "password", env);
    return [{ id, headers, ...(username ? { username } : {}), ...(password ? { password } : {}) }];
  });
  return { mirrors, servers };
}

/** Reads `~/.m2/settings.xml` (absent is fine) and the `KILN_MAVEN_REPOSITORY` override. */
export async function readMavenSettings(
  env: NodeJS.ProcessEnv = process.env,
  path = join(env.HOME || homedir(), ".m2", "settings.xml"),
): Promise<MavenSettings> {
  const xml = await readFile(path, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return "";
    throw err;
  });
  const settings = parseMavenSettings(xml, env);
  const override = env.KILN_MAVEN_REPOSITORY?.replace(/\/+$/, "");
  return override ? { ...settings, override } : settings;
}

/** Whether a mirror's `mirrorOf` (`*`, `central`, `a,b`, `*,!x`, `external:*`) covers a repository id. */
export function mirrors(mirrorOf: string, repoId: string, repoUrl: string): boolean {
  const parts = mirrorOf.split(",").map((p) => p.trim());
  if (parts.includes(`!${repoId}`)) return false;
  const external = !/^https?:\/\/(localhost|127\.0\.0\.1)[:/]/.test(repoUrl);
  return parts.some((p) => p === "*" || p === repoId || (p === "external:*" && external));
}

export interface EffectiveRepository {
  /** The server id whose credentials apply. */
  id: string;
  url: string;
  headers: Record<string, string>;
}

/**
 * Where to fetch from for a repository (`central` or the entry's URL): the
 * override, else the first matching mirror, else the repository itself;
 * with the matching server's credentials as headers (never logged).
 */
export function effectiveRepository(
  settings: MavenSettings,
  repository: string | undefined,
): EffectiveRepository {
  const repoUrl = (repository ?? MAVEN_CENTRAL).replace(/\/+$/, "");
  const repoId = repository ? repoUrl : "central";
  let id = repoId;
  let url = repoUrl;
  if (settings.override) {
    id = "kiln-override";
    url = settings.override;
  } else {
    const mirror = settings.mirrors.find((m) => mirrors(m.mirrorOf, repoId, repoUrl));
    if (mirror) {
      id = mirror.id;
      url = mirror.url;
    }
  }
  const server = settings.servers.find((s) => s.id === id);
  const headers: Record<string, string> = { ...server?.headers };
  if (server?.username !== undefined) {
    const basic = Buffer.from(`${server.username}:${server.password ?? ""}`).toString("base64");
    headers.authorization = `Basic ${basic}`;
  }
  return { id, url, headers };
}
