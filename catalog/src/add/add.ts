import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { Artifact, ConnectorPlugin, PluginClass } from "@kiln/schemas";
import { KilnError } from "@kiln/schemas";
import { Catalog } from "../catalog.js";
import { typeOfClasses } from "../check.js";
import { inspectPlugin, type PluginReport } from "../inspect/inspect.js";
import { MAX_ENTRY_BYTES, readJarEntries, UnreadableJarError } from "../inspect/jar-entries.js";
import { LOCKFILE_VERSION, type LockedPlugin } from "../lock/lock.js";
import { mavenPath } from "../lock/sources.js";
import { fetchToCache } from "../resolve/fetch.js";
import { fetchReleaseAsset } from "../resolve/github.js";
import { fetchVerified } from "../resolve/maven.js";
import { effectiveRepository } from "../resolve/maven-settings.js";
import { createContext, lockPlugin, type ResolveOptions, resolvePlugins } from "../resolve/plugins.js";
import type { ResolveContext } from "../resolve/types.js";
import { manifestHeaders, spdxOf, spdxOfBundleLicense, spdxOfText } from "./license.js";
import { type PomInfo, parsePom } from "./pom.js";
import { type AddSource, nameOfSource, versionOfSource } from "./source.js";

export interface AddOptions {
  source: AddSource;
  /** The Kafka range to claim (the CLI proposes the lines conformance tests). */
  kafka: string;
  name?: string;
  title?: string;
  type?: ConnectorPlugin["type"];
  version?: string;
  license?: string;
  owners?: string[];
  /** Globs of files to leave out of the plugin directory (the artifact's `exclude`). */
  exclude?: string[];
  /** A Maven jar with its runtime dependencies (`transitive: true`). */
  transitive?: boolean;
  resolve?: ResolveOptions;
}

export interface AddProposal {
  /** The proposed entry (owners and licence may be missing when nothing says what they are). */
  entry: Omit<ConnectorPlugin, "owners" | "license"> & { owners?: string[]; license?: string };
  /** Where the licence came from (a POM, a LICENSE file, the flag). */
  licenseFrom?: string;
  /** Inspection of the laid-out plugin against the proposed entry. */
  report: PluginReport;
  /** The laid-out plugin directory in the cache. */
  dir: string;
  locked: LockedPlugin;
}

/** Every class type, in the order entries list them. */
export const CLASS_TYPES: readonly PluginClass["type"][] = [
  "source",
  "sink",
  "converter",
  "header-converter",
  "transform",
  "predicate",
  "config-provider",
];

/** Classes in the order entries list them: connectors first, then by type and name. */
export function sortClasses<T extends { class: string; type: PluginClass["type"] }>(
  classes: readonly T[],
): T[] {
  return [...classes].sort(
    (a, b) =>
      CLASS_TYPES.indexOf(a.type) - CLASS_TYPES.indexOf(b.type) ||
      (a.class < b.class ? -1 : a.class > b.class ? 1 : 0),
  );
}

/** Downloads the source once into the cache; returns the catalog artifact it becomes. */
async function download(source: AddSource, opts: AddOptions, ctx: ResolveContext): Promise<Artifact> {
  const exclude = opts.exclude?.length ? { exclude: opts.exclude } : {};
  switch (source.kind) {
    case "maven": {
      const a = {
        group: source.group,
        artifact: source.artifact,
        version: source.version,
        ...(source.classifier ? { classifier: source.classifier } : {}),
        extension: source.extension,
      };
      const coords = `${a.group}:${a.artifact}:${a.version}${a.classifier ? `:${a.classifier}` : ""}@${a.extension}`;
      const got = await fetchVerified(ctx, {
        coords,
        repository: undefined,
        path: mavenPath(a),
        sha512: undefined,
      });
      const { extension, ...coordinates } = a;
      return {
        type: "maven",
        ...coordinates,
        // jar is the default: written only when it is something else.
        ...(extension === "jar" ? {} : { extension }),
        ...(opts.transitive ? { transitive: true } : {}),
        ...exclude,
        sha512: got.sha512,
      } as Artifact;
    }
    case "url": {
      const got = await fetchToCache(ctx, { url: source.url, sha512: undefined, label: source.fileName });
      return { type: source.type, url: source.url, ...exclude, sha512: got.sha512 } as Artifact;
    }
    case "github-release": {
      const got = await fetchReleaseAsset(source, ctx);
      return {
        type: "github-release",
        repository: source.repository,
        tag: source.tag,
        asset: source.asset,
        checksumSource: "computed by kiln catalog add from the asset it downloaded",
        ...exclude,
        sha512: got.sha512,
      } as Artifact;
    }
  }
}

/** The POM of a Maven source and the POMs it inherits from (nearest first), through the user's mirrors. */
async function pomChain(
  source: AddSource,
  ctx: ResolveContext,
): Promise<Array<{ coords: string; pom: PomInfo }>> {
  if (source.kind !== "maven") return [];
  const repo = effectiveRepository(await ctx.maven(), undefined);
  const out: Array<{ coords: string; pom: PomInfo }> = [];
  let at: { group: string; artifact: string; version: string } | undefined = source;
  for (let depth = 0; at && depth < 6; depth++) {
    // The POM has no classifier, whatever the artifact has.
    const path = `${at.group.replace(/\./g, "/")}/${at.artifact}/${at.version}/${at.artifact}-${at.version}.pom`;
    const text = await ctx.http.getText(`${repo.url}/${path}`, repo.headers, { optional: true });
    if (text === undefined) break;
    const pom = parsePom(text);
    out.push({ coords: `${at.group}:${at.artifact}:${at.version}`, pom });
    at = pom.parent;
  }
  return out;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/"))
    .sort();
}

const LICENSE_FILE = /(^|\/)(LICEN[CS]E|COPYING)(\.(txt|md))?$/i;

/**
 * The licence the plugin's own files state: a LICENSE file of the archive, else the jars'
 * Bundle-License headers and META-INF/LICENSE files (the plugin's own jars, not its dependencies:
 * the jar whose name is the plugin's, or else any).
 */
async function licenseOfFiles(
  dir: string,
  own: string,
): Promise<{ license: string; from: string } | undefined> {
  const files = await filesUnder(dir);
  for (const f of files.filter((p) => LICENSE_FILE.test(p) && !p.includes("3RD") && !/third/i.test(p))) {
    const spdx = spdxOfText(await readFile(join(dir, f), "utf8"));
    if (spdx) return { license: spdx, from: f };
  }
  const jars = files.filter((f) => f.endsWith(".jar"));
  const ordered = [...jars.filter((j) => j.split("/").pop()?.startsWith(own)), ...jars];
  for (const jar of ordered.slice(0, 20)) {
    let found: { license: string; from: string } | undefined;
    try {
      await readJarEntries(
        join(dir, jar),
        (n) =>
          (n === "META-INF/MANIFEST.MF" || /^META-INF\/LICEN[CS]E(\.txt|\.md)?$/i.test(n)) && MAX_ENTRY_BYTES,
        (n, body) => {
          if (found) return;
          const text = body.toString("utf8");
          const spdx =
            n === "META-INF/MANIFEST.MF"
              ? spdxOfBundleLicense(manifestHeaders(text)["Bundle-License"] ?? "")
              : spdxOfText(text);
          if (spdx) found = { license: spdx, from: `${jar}!/${n}` };
        },
      );
    } catch (err) {
      if (!(err instanceof UnreadableJarError)) throw err;
    }
    if (found) return found;
  }
  return undefined;
}

/**
 * Proposes a catalog entry for a plugin source: downloads it once into the cache (sha512
 * computed there), lays it out, inspects its jars for every plugin class with its type, finds
 * its licence (POM chain, then the files it carries), and fills what the flags leave open.
 * Writes nothing outside the cache.
 */
export async function proposeEntry(opts: AddOptions): Promise<AddProposal> {
  const ctx = createContext(opts.resolve);
  const { source } = opts;
  const artifact = await download(source, opts, ctx);
  const name = opts.name ?? nameOfSource(source);
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name))
    throw new KilnError(`cannot make a catalog name from the source ("${name}"); pass --name`);
  const version = opts.version ?? versionOfSource(source);
  if (!version)
    throw new KilnError("cannot tell the plugin's version from the source; pass --plugin-version");

  // Provisional: classes are what inspection will find; the type follows from them.
  const provisional = {
    apiVersion: "kiln.dev/v1",
    kind: "ConnectorPlugin",
    name,
    title: name,
    type: "other",
    version,
    license: "NOASSERTION",
    kafka: opts.kafka,
    owners: ["-"],
    classes: [],
    artifacts: [artifact],
  } as unknown as ConnectorPlugin;
  const locked = await lockPlugin(provisional, ctx);
  const lock = { lockfileVersion: LOCKFILE_VERSION, plugins: { [name]: locked } } as const;
  const catalog = new Catalog([{ entry: provisional, source: { file: `${name}.yaml` } as never }]);
  const [plugin] = await resolvePlugins(catalog, lock, [name], opts.resolve);
  if (!plugin) throw new KilnError(`${name}: the plugin did not lay out`);
  const found = await inspectPlugin(provisional, plugin.dir, { files: plugin.files });
  const classes = sortClasses(found.undeclared.map((c) => ({ class: c.class, type: c.type })));
  if (classes.length === 0) {
    const jars = found.jars.length;
    throw new KilnError(
      `no Kafka Connect plugin class in ${jars} jar${jars === 1 ? "" : "s"} of this source${found.errors.length ? ` (${found.errors.join("; ")})` : ""}: is it a connector, converter, transform or config provider package? A jar whose dependencies are separate needs --transitive`,
    );
  }

  const poms = await pomChain(source, ctx);
  const own = poms[0]?.pom;
  let license: { license: string; from: string } | undefined;
  if (opts.license) license = { license: opts.license, from: "--license" };
  for (const { coords, pom } of poms) {
    if (license) break;
    const spdx = pom.licenses.map((l) => spdxOf(l.name, l.url)).filter((x): x is string => !!x);
    if (spdx.length > 0) license = { license: [...new Set(spdx)].join(" OR "), from: `the POM of ${coords}` };
    else if (pom.licenses.length > 0) break;
  }
  license ??= await licenseOfFiles(plugin.dir, source.kind === "maven" ? source.artifact : name);

  const type = opts.type ?? typeOfClasses(classes);
  const title = opts.title ?? own?.name ?? name;
  const entry: AddProposal["entry"] = {
    apiVersion: "kiln.dev/v1",
    kind: "ConnectorPlugin",
    name,
    title: title.slice(0, 120),
    ...(own?.description ? { description: own.description.slice(0, 2000) } : {}),
    type,
    version,
    ...(license ? { license: license.license } : {}),
    ...(own?.url?.startsWith("https://") ? { homepage: own.url } : {}),
    kafka: opts.kafka,
    ...(opts.owners?.length ? { owners: opts.owners } : {}),
    classes,
    artifacts: [artifact],
  };
  const report = await inspectPlugin(
    { ...(entry as ConnectorPlugin), license: entry.license ?? "NOASSERTION", owners: ["-"] },
    plugin.dir,
    { files: plugin.files },
  );
  return {
    entry,
    ...(license ? { licenseFrom: license.from } : {}),
    report,
    dir: plugin.dir,
    locked,
  };
}
