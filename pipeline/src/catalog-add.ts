import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  type AddProposal,
  defaultPolicyPath,
  entryYaml,
  loadCatalog,
  lockCatalog,
  nameOfSource,
  type ProgressEvent,
  parseAddSource,
  proposeEntry,
  readCatalog,
  readSourceFile,
  schemaModeline,
} from "@kiln/catalog";
import { testedRange } from "@kiln/conformance";
import {
  CONFORMANCE_KAFKA_VERSIONS,
  type ConnectorPlugin,
  type Diagnostic,
  KilnError,
  OptionError,
  schemaFile,
} from "@kiln/schemas";
import { requireCatalog } from "./catalog.js";
import type { RunContext } from "./context.js";
import { readLockfile, writeLockfile } from "./lockfile.js";

export interface AddRequest {
  /** Maven coordinates, an https URL or a GitHub release asset. */
  source: string;
  catalog: string;
  lockfile?: string;
  name?: string;
  title?: string;
  type?: ConnectorPlugin["type"];
  kafka?: string;
  license?: string;
  owners?: string[];
  pluginVersion?: string;
  exclude?: string[];
  transitive?: boolean;
  /** Propose an example config from the plugin's config definition, checked on a Connect worker. */
  example?: boolean;
}

export interface AddHooks {
  onProgress?: (e: ProgressEvent) => void;
  onLine: (line: string) => void;
  /** Asks the user (on a terminal only); undefined when there is no one to ask. */
  ask?: (question: string) => Promise<string | undefined>;
}

export type AddOutcome =
  | {
      written: true;
      /** Relative to the working directory. */
      file: string;
      proposal: AddProposal;
      entry: ConnectorPlugin;
      licenseFrom: string | undefined;
      /** Why the proposed example was not validated, when it was not. */
      exampleNote: string | undefined;
    }
  | { written: false; file: string; problems: Diagnostic[] };

/** The modeline the catalog's files already use, else one pointing at this kiln's schema. */
async function modelineFor(dir: string): Promise<string> {
  for (const f of (await readdir(dir)).filter((n) => n.endsWith(".yaml")).sort()) {
    const first = (await readFile(join(dir, f), "utf8")).split("\n", 1)[0] ?? "";
    if (first.startsWith("# yaml-language-server: $schema=")) return first;
  }
  return schemaModeline(pathToFileURL(schemaFile("ConnectorPlugin")).href);
}

/** The owners most entries of the catalog name: a team's default when --owners is not given. */
function usualOwners(entries: readonly ConnectorPlugin[]): string[] | undefined {
  const counts = new Map<string, number>();
  for (const e of entries) {
    const key = JSON.stringify(e.owners);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const best = [...counts].sort((a, b) => b[1] - a[1])[0];
  return best ? (JSON.parse(best[0]) as string[]) : undefined;
}

/**
 * `kiln catalog add`: the source becomes a catalog entry in one step: downloaded once into the
 * cache, sha512 computed, jars inspected for every plugin class, licence and Kafka range
 * proposed, the entry written with its schema line and checked with the catalog (nothing
 * written when it would make the catalog invalid), then locked.
 */
export async function addEntry(req: AddRequest, ctx: RunContext, hooks: AddHooks): Promise<AddOutcome> {
  const { cwd } = ctx;
  let source: ReturnType<typeof parseAddSource>;
  try {
    source = parseAddSource(req.source);
  } catch (err) {
    throw err instanceof KilnError ? new OptionError(err.userMessage) : err;
  }
  const catalogDir = resolve(cwd, req.catalog);
  const catalog = await requireCatalog(req.catalog, cwd);
  const taken = (name: string) => {
    const existing = catalog.get(name);
    if (existing)
      throw new KilnError(
        `the catalog already has an entry named ${name} (version ${existing.version}); kiln catalog bump ${name} updates it, --name adds this one under another name`,
      );
  };
  // Before downloading anything, when the name is known already.
  taken(req.name ?? nameOfSource(source));
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  const proposal = await proposeEntry({
    source,
    kafka: req.kafka ?? testedRange([...CONFORMANCE_KAFKA_VERSIONS]),
    ...(req.name ? { name: req.name } : {}),
    ...(req.title ? { title: req.title } : {}),
    ...(req.type ? { type: req.type } : {}),
    ...(req.pluginVersion ? { version: req.pluginVersion } : {}),
    ...(req.license ? { license: req.license } : {}),
    ...(req.exclude?.length ? { exclude: req.exclude } : {}),
    ...(req.transitive ? { transitive: true } : {}),
    resolve: { env: ctx.env, ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}), ...signal },
  });
  const { entry } = proposal;
  const file = join(catalogDir, `${entry.name}.yaml`);
  taken(entry.name);

  let owners = req.owners;
  if (!owners?.length && hooks.ask)
    owners = (await hooks.ask("Owners (comma-separated):"))?.split(",").map((o) => o.trim());
  owners = owners?.length ? owners : usualOwners(catalog.entries.map((e) => e.entry));
  if (!owners?.length) throw new OptionError("pass --owners (the team that answers for this plugin)");
  let license = entry.license;
  let licenseFrom = proposal.licenseFrom;
  if (!license && hooks.ask) {
    license = await hooks.ask("No licence found in the POM or the files. SPDX licence id:");
    licenseFrom = "your answer";
  }
  if (!license)
    throw new KilnError(
      "no licence found in the POM or the plugin's files; read it on the project's site and pass --license <SPDX id>",
    );

  const full = { ...entry, owners, license } as ConnectorPlugin;
  let exampleNote: string | undefined;
  if (req.example) {
    const { proposeExample } = await import("@kiln/conformance");
    const example = await proposeExample(full, proposal.dir, {
      kafka: [...CONFORMANCE_KAFKA_VERSIONS].sort().at(-1) as string,
      onProgress: hooks.onLine,
      ...signal,
    });
    if (example) {
      full.example = example.example;
      if (example.note) exampleNote = example.note;
    } else hooks.onLine("kiln: no connector class in this plugin: an example is only for connectors");
  }
  const text = entryYaml(full, await modelineFor(catalogDir));

  // Checked with the whole catalog (names, connector classes, licence policy) before a byte is written.
  const rel = relative(cwd, file) || file;
  const files = await Promise.all(
    catalog.entries.map(async (e) => readSourceFile(resolve(cwd, e.source.file), cwd)),
  );
  const policy = await readSourceFile(defaultPolicyPath(catalogDir), cwd);
  const checked = loadCatalog([...files, { file: rel, text }], policy);
  const problems = checked.diagnostics.filter((d) => d.severity === "error");
  if (problems.length > 0) return { written: false, file: rel, problems };
  await writeFile(file, text, { flag: "wx" }).catch((err: NodeJS.ErrnoException) => {
    throw err.code === "EEXIST"
      ? new KilnError(`${rel} already exists; move it away or add the plugin under another --name`)
      : err;
  });

  const after = (await readCatalog(catalogDir, { cwd })).catalog;
  if (!after) throw new KilnError(`${rel} was written but the catalog does not read back; run kiln validate`);
  const current = await readLockfile(req.lockfile, cwd);
  const lock = await lockCatalog(after, current?.lock, [entry.name], { env: ctx.env, ...signal });
  await writeLockfile(req.lockfile, cwd, lock);
  return { written: true, file: rel, proposal, entry: full, licenseFrom, exampleNote };
}
