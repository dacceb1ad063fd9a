import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { defaultCacheDir } from "@kiln/catalog";

const run = promisify(execFile);

/** One Maven artifact; its transitive dependencies come along unless excluded. */
export interface MavenArtifact {
  groupId: string;
  artifactId: string;
  version: string;
  /** `jar` unless given (e.g. `zip`, `tar.gz`). */
  type?: string;
  classifier?: string;
}

/** A named set of artifacts resolved together into one directory (a classpath, or a distribution). */
export interface JarSetSpec {
  /** Names the cache directory (`<cache>/jars/<name>-<digest of the spec>`). */
  name: string;
  artifacts: MavenArtifact[];
  /**
   * `groupId:artifactId` patterns (`*` as artifactId for a whole group, `*:*` for all) left out of
   * every artifact's dependency tree, e.g. what the JVM that loads the set already has.
   */
  exclusions?: string[];
  /** Resolve dependencies of the artifacts too (default true). */
  transitive?: boolean;
}

export interface JarSet {
  name: string;
  dir: string;
  /** Absolute paths of the resolved files, sorted. */
  files: string[];
}

const COORD = /^[A-Za-z0-9_.-]+$/;
const PATTERN = /^([A-Za-z0-9_.-]+:([A-Za-z0-9_.-]+|\*)|\*:\*)$/;

function checkCoord(what: string, value: string | undefined): void {
  if (value !== undefined && !COORD.test(value)) {
    throw new Error(`Maven ${what} ${JSON.stringify(value)} has characters outside [A-Za-z0-9_.-]`);
  }
}

/** A POM whose only content is `artifacts` as dependencies, each with `exclusions`. Pure. */
export function dependencyPom(name: string, artifacts: MavenArtifact[], exclusions: string[] = []): string {
  checkCoord("project name", name);
  for (const p of exclusions) {
    if (!PATTERN.test(p)) throw new Error(`Maven exclusion ${JSON.stringify(p)} is not groupId:artifactId`);
  }
  const excl = exclusions.map((p) => {
    const [g, a] = p.split(":");
    return `<exclusion><groupId>${g}</groupId><artifactId>${a}</artifactId></exclusion>`;
  });
  const deps = artifacts.map((a) => {
    for (const [what, v] of Object.entries(a)) checkCoord(what, v);
    const parts = [
      `<groupId>${a.groupId}</groupId>`,
      `<artifactId>${a.artifactId}</artifactId>`,
      `<version>${a.version}</version>`,
      ...(a.type ? [`<type>${a.type}</type>`] : []),
      ...(a.classifier ? [`<classifier>${a.classifier}</classifier>`] : []),
      ...(excl.length > 0 ? [`<exclusions>${excl.join("")}</exclusions>`] : []),
    ];
    return `    <dependency>${parts.join("")}</dependency>`;
  });
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.kiln.jars</groupId>
  <artifactId>${name}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${deps.join("\n")}
  </dependencies>
</project>
`;
}

/**
 * `mvn dependency:copy-dependencies` on `pomText` (written to `dir`) into `outDir`. mvn follows
 * ~/.m2/settings.xml (mirrors, proxies, credentials) like any other build on the machine.
 */
export async function copyDependencies(
  dir: string,
  pomText: string,
  outDir: string,
  extra: string[] = [],
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "pom.xml"), pomText);
  try {
    await run(
      "mvn",
      [
        "-q",
        "-B",
        "dependency:copy-dependencies",
        `-DoutputDirectory=${outDir}`,
        "-DincludeScope=runtime",
        ...extra,
      ],
      { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(
      `mvn dependency:copy-dependencies failed in ${dir}:\n${e.stdout ?? ""}${e.stderr ?? ""}`,
      {
        cause: err,
      },
    );
  }
}

/**
 * The cache directory `root`, filled once by `fill` in a staging directory that is renamed into
 * place with a `.complete` marker: a finished cache is reused as is, an interrupted one never is.
 */
export async function cachedDirectory(
  root: string,
  fill: (staging: string) => Promise<void>,
): Promise<string> {
  if (existsSync(join(root, ".complete"))) return root;
  const staging = `${root}.tmp-${process.pid}-${Date.now()}`;
  await rm(staging, { recursive: true, force: true });
  try {
    await mkdir(staging, { recursive: true });
    await fill(staging);
    await writeFile(join(staging, ".complete"), `${new Date().toISOString()}\n`);
    await mkdir(dirname(root), { recursive: true });
    await rename(staging, root);
  } catch (err) {
    // Another process finished first: keep its copy.
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(join(root, ".complete"))) throw err;
  }
  return root;
}

/** Where `spec` is cached under `cacheDir`: its name and a digest of everything that decides its content. */
export function jarSetDir(spec: JarSetSpec, cacheDir: string = defaultCacheDir(process.env)): string {
  const canonical = JSON.stringify([
    spec.artifacts.map((a) => [a.groupId, a.artifactId, a.version, a.type ?? "jar", a.classifier ?? ""]),
    [...(spec.exclusions ?? [])].sort(),
    spec.transitive ?? true,
  ]);
  const digest = createHash("sha256").update(canonical).digest("hex").slice(0, 12);
  return join(cacheDir, "jars", `${spec.name}-${digest}`);
}

const inFlight = new Map<string, Promise<unknown>>();

/** One resolution per key in this process: concurrent callers share it, a failure is retried. */
export function once<T>(key: string, fn: () => Promise<T>): Promise<T> {
  let p = inFlight.get(key) as Promise<T> | undefined;
  if (!p) {
    p = fn();
    inFlight.set(key, p);
    p.catch(() => inFlight.delete(key));
  }
  return p;
}

/**
 * Resolves a named jar set from Maven (artifacts cached in ~/.m2) into `<cacheDir>/jars/…`
 * (default kiln's cache), once per spec.
 */
export function resolveJarSet(spec: JarSetSpec, cacheDir?: string): Promise<JarSet> {
  const dir = jarSetDir(spec, cacheDir);
  return once(dir, async () => {
    const files = join(dir, "files");
    await cachedDirectory(dir, async (staging) => {
      // Excluding everything keeps Maven from even reading the dependencies' POMs (a distribution's
      // may name repositories this machine cannot reach).
      const exclusions = spec.transitive === false ? ["*:*"] : spec.exclusions;
      await copyDependencies(
        join(staging, "pom"),
        dependencyPom(spec.name, spec.artifacts, exclusions),
        join(staging, "files"),
      );
    });
    const names = (await readdir(files)).sort();
    return { name: spec.name, dir: files, files: names.map((f) => join(files, f)) };
  });
}
