import type {
  Artifact,
  ConnectorPlugin,
  GithubReleaseArtifact,
  MavenArtifact,
  UrlArtifact,
} from "@kiln/schemas";
import { KilnError } from "@kiln/schemas";
import { sortClasses } from "../add/add.js";
import { Catalog } from "../catalog.js";
import { inspectPlugin, type PluginReport } from "../inspect/inspect.js";
import { LOCKFILE_VERSION } from "../lock/lock.js";
import { mavenPath } from "../lock/sources.js";
import { fetchToCache } from "../resolve/fetch.js";
import { fetchReleaseAsset } from "../resolve/github.js";
import { fetchVerified } from "../resolve/maven.js";
import { createContext, lockPlugin, type ResolveOptions, resolvePlugins } from "../resolve/plugins.js";
import type { ResolveContext } from "../resolve/types.js";
import { artifactAt, versionedArtifacts } from "./versions.js";

type PluginClass = ConnectorPlugin["classes"][number];

/** The classes a new release provides differ from those the entry declares: nothing is written. */
export class ClassesChangedError extends KilnError {
  constructor(
    readonly entry: string,
    readonly to: string,
    readonly vanished: PluginClass[],
    readonly appeared: PluginClass[],
  ) {
    const list = (cs: PluginClass[]) => cs.map((c) => `${c.class} (${c.type})`).join(", ");
    super(
      `${entry} ${to} does not provide the classes the entry declares: ${[
        vanished.length ? `vanished: ${list(vanished)}` : "",
        appeared.length ? `appeared: ${list(appeared)}` : "",
      ]
        .filter(Boolean)
        .join(
          "; ",
        )}. Review them (connectors using a vanished class break), then rerun with --classes to take the new list`,
    );
  }
}

export interface Bump {
  before: ConnectorPlugin;
  after: ConnectorPlugin;
  /** One line per change: version, each artifact's coordinates and sha512, classes. */
  changes: string[];
  report: PluginReport;
}

async function fetchNew(a: Artifact, ctx: ResolveContext): Promise<string> {
  switch (a.type) {
    case "maven": {
      const m = a as MavenArtifact;
      return (
        await fetchVerified(ctx, {
          coords: mavenPath(m),
          repository: m.repository,
          path: mavenPath(m),
          sha512: undefined,
        })
      ).sha512;
    }
    case "github-release":
      return (await fetchReleaseAsset(a as GithubReleaseArtifact, ctx)).sha512;
    default: {
      const u = a as UrlArtifact;
      const fileName = u.fileName ?? u.url.split("/").pop() ?? "artifact";
      return (await fetchToCache(ctx, { url: u.url, sha512: undefined, label: fileName })).sha512;
    }
  }
}

const describe = (a: Artifact) =>
  a.type === "maven"
    ? `${(a as MavenArtifact).group}:${(a as MavenArtifact).artifact}:${(a as MavenArtifact).version}`
    : a.type === "github-release"
      ? `${(a as GithubReleaseArtifact).repository}@${(a as GithubReleaseArtifact).tag}/${(a as GithubReleaseArtifact).asset}`
      : (a as UrlArtifact).url;

/**
 * An entry moved to release `to`: every artifact that carries the entry's version moved along
 * and downloaded (sha512 computed), the plugin laid out and inspected. The classes it provides
 * must be the ones the entry declares, unless `acceptClasses` takes the new list. Writes
 * nothing outside the cache.
 */
export async function bumpEntry(
  entry: ConnectorPlugin,
  to: string,
  opts: { acceptClasses?: boolean; resolve?: ResolveOptions } = {},
): Promise<Bump> {
  if (to === entry.version) throw new KilnError(`${entry.name} is already at ${to}`);
  const moving = versionedArtifacts(entry);
  if (moving.length === 0)
    throw new KilnError(
      `no artifact of ${entry.name} carries its version ${entry.version}: edit the entry by hand`,
    );
  const ctx = createContext(opts.resolve);
  const artifacts = [...entry.artifacts];
  const changes = [`version: ${entry.version} → ${to}`];
  for (const { index, artifact } of moving) {
    const moved = artifactAt(artifact, entry.version, to);
    const sha512 = await fetchNew(moved, ctx);
    artifacts[index] = { ...moved, sha512 } as Artifact;
    changes.push(
      `artifacts[${index}]: ${describe(artifact)} → ${describe(moved)}, sha512 ${sha512.slice(0, 16)}…`,
    );
  }
  const candidate: ConnectorPlugin = { ...entry, version: to, artifacts };
  const locked = await lockPlugin(candidate, ctx);
  const catalog = new Catalog([{ entry: candidate, source: { file: `${entry.name}.yaml` } as never }]);
  const lock = { lockfileVersion: LOCKFILE_VERSION, plugins: { [entry.name]: locked } } as const;
  const [plugin] = await resolvePlugins(catalog, lock, [entry.name], opts.resolve);
  if (!plugin) throw new KilnError(`${entry.name} ${to} did not lay out`);
  const report = await inspectPlugin(candidate, plugin.dir, { files: plugin.files });
  const key = (c: PluginClass) => `${c.class} ${c.type}`;
  const provided = new Set(report.provided.map(key));
  const vanished = entry.classes.filter((c) => !provided.has(key(c)));
  const appeared = report.undeclared.map((c) => ({ class: c.class, type: c.type }));
  let after = candidate;
  if (vanished.length || appeared.length) {
    if (!opts.acceptClasses) throw new ClassesChangedError(entry.name, to, vanished, appeared);
    const gone = new Set(vanished.map(key));
    after = {
      ...candidate,
      classes: [...entry.classes.filter((c) => !gone.has(key(c))), ...sortClasses(appeared)],
    };
    changes.push(
      `classes: ${[
        ...vanished.map((c) => `- ${c.class} (${c.type})`),
        ...appeared.map((c) => `+ ${c.class} (${c.type})`),
      ].join(", ")}`,
    );
  } else changes.push(`classes: the same ${entry.classes.length}`);
  return { before: entry, after, changes, report };
}
