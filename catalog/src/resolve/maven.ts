import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { promisify } from "node:util";
import { abortedError, type MavenArtifact } from "@kiln/schemas";
import { ChecksumError, DownloadError, ResolveError } from "../errors.js";
import { isKafkaProvided } from "../kafka-provided.js";
import {
  coordinates,
  MAVEN_CENTRAL,
  mavenPath,
  mavenSource,
  pinnedFileOf,
  repositoryOf,
} from "../lock/sources.js";
import type { LockedArtifact, PinnedFile } from "../lock/types.js";
import { excludeMatcher } from "./exclude.js";
import { fetchToCache } from "./fetch.js";
import { effectiveRepository, type MavenSettings } from "./maven-settings.js";
import type { ArtifactResolver, ResolveContext } from "./types.js";

const run = promisify(execFile);

function firstToken(text: string): string {
  return (text.trim().split(/\s+/)[0] ?? "").toLowerCase();
}

/** Where a canonical URL is fetched from under the user's mirrors/override, with that server's credentials. */
function effective(settings: MavenSettings, repository: string | undefined, path: string) {
  const repo = effectiveRepository(settings, repository);
  return { url: `${repo.url}/${path}`, headers: repo.headers };
}

/**
 * Fetches a file from a Maven repository through the user's mirrors and credentials into the
 * cache, checked against `sha512` (when known) and the repository's own .sha1/.sha512.
 */
export async function fetchVerified(
  ctx: ResolveContext,
  a: { coords: string; repository: string | undefined; path: string; sha512: string | undefined },
): Promise<{ path: string; size: number; sha512: string }> {
  const settings = await ctx.maven();
  const { url, headers } = effective(settings, a.repository, a.path);
  try {
    return await fetchToCache(ctx, {
      url,
      headers,
      sha512: a.sha512,
      label: a.path.split("/").pop() as string,
      // The repository's own checksum files must agree too: a mirror serving something else is caught here.
      verify: async (d) => {
        const sha1 = await ctx.http.getText(`${url}.sha1`, headers, { optional: true });
        const sha512 = await ctx.http.getText(`${url}.sha512`, headers, { optional: true });
        if (sha1 === undefined && sha512 === undefined) {
          throw new ResolveError(
            `the repository has neither ${a.path}.sha1 nor .sha512 to verify ${a.coords}`,
            {
              location: { url },
            },
          );
        }
        if (sha1 !== undefined && firstToken(sha1) !== d.sha1) {
          throw new ChecksumError(`${a.coords} (repository .sha1)`, "sha1", firstToken(sha1), d.sha1, url);
        }
        if (sha512 !== undefined && firstToken(sha512) !== d.sha512) {
          throw new ChecksumError(
            `${a.coords} (repository .sha512)`,
            "sha512",
            firstToken(sha512),
            d.sha512,
            url,
          );
        }
      },
    });
  } catch (err) {
    if (err instanceof DownloadError && err.status === 404) {
      throw new ResolveError(
        `Maven artifact ${a.coords} does not exist in ${effectiveRepository(settings, a.repository).url} (404)`,
        {
          location: { url },
          cause: err,
        },
      );
    }
    throw err;
  }
}

/** A pom whose one dependency is the artifact, for `mvn dependency:copy-dependencies`. */
export function generatedPom(a: MavenArtifact): string {
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const repo = a.repository
    ? `  <repositories><repository><id>${esc(a.repository)}</id><url>${esc(a.repository)}</url></repository></repositories>\n`
    : "";
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.kiln.resolve</groupId>
  <artifactId>resolve</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
${repo}  <dependencies>
    <dependency>
      <groupId>${esc(a.group)}</groupId>
      <artifactId>${esc(a.artifact)}</artifactId>
      <version>${esc(a.version)}</version>
      <type>${esc(a.extension ?? "jar")}</type>${a.classifier ? `\n      <classifier>${esc(a.classifier)}</classifier>` : ""}
    </dependency>
  </dependencies>
</project>
`;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/"))
    .sort();
}

interface TransitiveResult {
  files: Array<{ path: string; size: number; sha512: string }>;
}

/**
 * Runs the real Maven resolver on a generated pom and copies every runtime
 * dependency into the cache. The result is cached by coordinates and scopes,
 * so a rerun neither starts Maven nor touches the network.
 */
async function resolveTransitive(a: MavenArtifact, ctx: ResolveContext): Promise<TransitiveResult> {
  const key = createHash("sha256")
    .update(`v2 ${mavenSource(a)}@${a.repository ?? MAVEN_CENTRAL}`)
    .digest("hex");
  const memo = join(ctx.cache.root, "maven-transitive", `${key}.json`);
  const known = await readFile(memo, "utf8").then(
    (t) => JSON.parse(t) as TransitiveResult,
    () => undefined,
  );
  if (known) {
    const present = await Promise.all(known.files.map((f) => ctx.cache.has(f.sha512)));
    if (present.every(Boolean)) return known;
  }
  await mkdir(join(ctx.cache.root, "tmp"), { recursive: true });
  const work = await mkdtemp(join(ctx.cache.root, "tmp", "mvn-"));
  try {
    await writeFile(join(work, "pom.xml"), generatedPom(a));
    const args = ["-B", "-q", "-f", join(work, "pom.xml"), "dependency:copy-dependencies"];
    args.push(`-DoutputDirectory=${join(work, "out")}`, "-Dmdep.useRepositoryLayout=true");
    const scopes = a.scopes ?? ["compile", "runtime"];
    args.push(`-DincludeScope=${scopes.includes("runtime") ? "runtime" : "compile"}`);
    const settings = await ctx.maven();
    if (settings.override) {
      const file = join(work, "settings.xml");
      await writeFile(
        file,
        `<settings><mirrors><mirror><id>kiln-override</id><mirrorOf>*</mirrorOf><url>${settings.override}</url></mirror></mirrors></settings>\n`,
      );
      args.push("-s", file);
    }
    ctx.onProgress?.({ kind: "start", label: `mvn ${coordinates(a)}` });
    await run(ctx.mvn ?? "mvn", args, {
      env: { ...ctx.env, MAVEN_OPTS: ctx.env.MAVEN_OPTS ?? "-Xmx256m" },
      maxBuffer: 16 << 20,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    }).catch((err: { stdout?: string; stderr?: string; code?: unknown }) => {
      const timedOut = abortedError(ctx.signal, `running mvn for ${coordinates(a)}`, err);
      if (timedOut) throw timedOut;
      if (err.code === "ENOENT")
        throw new ResolveError(
          `transitive resolution of ${coordinates(a)} needs Maven: ${ctx.mvn ?? "mvn"} is not on PATH`,
          { cause: err },
        );
      const out = `${err.stdout ?? ""}${err.stderr ?? ""}`
        .split("\n")
        .filter((l) => /ERROR/.test(l))
        .slice(0, 5)
        .join("\n");
      throw new ResolveError(
        `mvn could not resolve the dependencies of ${coordinates(a)}${out ? `:\n${out}` : ""}`,
        {
          cause: err,
        },
      );
    });
    const out = join(work, "out");
    const files: TransitiveResult["files"] = [];
    // The repository layout also holds maven-metadata-local.xml and the like: only artifacts count.
    const artifactFile = /\/([^/]+)\/([^/]+)\/\1-\2(-[^/]+)?\.(jar|zip|tar\.gz|tgz)$/;
    for (const path of (await listFiles(out)).filter((p) => artifactFile.test(p))) {
      const put = await ctx.cache.putFile(join(out, path));
      files.push({ path, size: put.size, sha512: put.sha512 });
    }
    const result = { files };
    await mkdir(join(ctx.cache.root, "maven-transitive"), { recursive: true });
    const tmp = `${memo}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(tmp, JSON.stringify(result));
    await rename(tmp, memo);
    ctx.onProgress?.({ kind: "done", label: `mvn ${coordinates(a)}` });
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Maven artifacts: Central by default, or the entry's repository; mirrors, credentials and KILN_MAVEN_REPOSITORY honoured. */
export const mavenResolver: ArtifactResolver<MavenArtifact> = {
  async resolve(a, ctx): Promise<LockedArtifact> {
    const path = mavenPath(a);
    const repoUrl = repositoryOf(a.repository);
    const got = await fetchVerified(ctx, {
      coords: coordinates(a),
      repository: a.repository,
      path,
      sha512: a.sha512,
    });
    const main: PinnedFile = { ...pinnedFileOf(a), size: got.size, sha512: a.sha512 };
    const files = [main];
    if (a.transitive) {
      const deps = await resolveTransitive(a, ctx);
      const excluded = excludeMatcher(a.exclude);
      for (const d of deps.files) {
        if (d.path === path || excluded(d.path.split("/").pop() as string)) continue;
        const fileName = d.path.split("/").pop() as string;
        files.push({
          fileName,
          url: `${repoUrl}/${d.path}`,
          size: d.size,
          sha512: d.sha512,
          ...(isKafkaProvided(fileName) ? { kafkaProvided: true } : {}),
        });
      }
    }
    return { source: mavenSource(a), ...(a.repository ? { repository: a.repository } : {}), files };
  },

  async fetch(locked, file, ctx): Promise<string> {
    if (await ctx.cache.has(file.sha512)) return ctx.cache.pathOf(file.sha512);
    const repoUrl = repositoryOf(locked.repository);
    if (!file.url.startsWith(`${repoUrl}/`)) {
      throw new ResolveError(`locked file ${file.url} is not under its repository ${repoUrl}; run kiln lock`);
    }
    const path = file.url.slice(repoUrl.length + 1);
    return (
      await fetchVerified(ctx, { coords: path, repository: locked.repository, path, sha512: file.sha512 })
    ).path;
  },
};
