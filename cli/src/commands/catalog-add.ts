import { readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  type AddProposal,
  CLASS_TYPES,
  defaultPolicyPath,
  entryYaml,
  loadCatalog,
  lockCatalog,
  nameOfSource,
  parseAddSource,
  proposeEntry,
  readCatalog,
  readSourceFile,
  schemaModeline,
} from "@kiln/catalog";
import { testedRange } from "@kiln/connectors";
import { type ConnectorPlugin, formatDiagnostic, KilnError, schemaFile } from "@kiln/schemas";
import { requireCatalog } from "../catalog-source.js";
import { EXIT_FAILURE, EXIT_OK, UsageError } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { readLockfile, writeLockfile } from "../lockfile.js";
import { progressReporter } from "../progress.js";
import { ask, canPrompt } from "../prompt.js";
import { DEFAULT_CONFORMANCE_KAFKA } from "./conformance.js";

interface Options {
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
  example?: boolean;
  json?: boolean;
}

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

function summary(
  p: AddProposal,
  file: string,
  licenseFrom: string | undefined,
  example: { written: boolean; note: string | undefined },
): string[] {
  const r = p.report;
  const count = (t: string) => p.entry.classes.filter((c) => c.type === t).length;
  const kinds = CLASS_TYPES.filter((t) => count(t) > 0).map((t) => `${count(t)} ${t}`);
  return [
    `wrote ${file}`,
    `  classes:      ${kinds.join(", ")} (every plugin class the jars provide)`,
    `  licence:      ${p.entry.license}${licenseFrom ? ` (from ${licenseFrom})` : ""}`,
    `  kafka:        ${p.entry.kafka} (proposed: the lines conformance tests; it proves the claim)`,
    `  service_load: ${r.serviceLoad ? "ready (every class has a META-INF/services entry)" : "not ready: workers must scan the plugin (plugin.discovery=hybrid_warn or only_scan)"}`,
    ...(example.written
      ? [
          example.note
            ? `  example:      from the plugin's config definition, not validated (${example.note}; kiln conformance names the cause)`
            : "  example:      from the plugin's config definition, checked on a Connect worker",
        ]
      : []),
    ...r.errors.map((e) => `error: ${e}`),
    ...r.warnings.map((w) => `warning: ${w}`),
  ];
}

/**
 * `kiln catalog add <source>`: Maven coordinates, an https URL or a GitHub release asset
 * become a catalog entry in one step: downloaded once into the cache, sha512 computed, jars
 * inspected for every plugin class, licence and Kafka range proposed, the entry written with
 * its schema line and checked with the catalog, then locked. Asks only on a terminal.
 */
export async function run(io: CommandIO, sourceText: string, opts: Options): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  let source: ReturnType<typeof parseAddSource>;
  try {
    source = parseAddSource(sourceText);
  } catch (err) {
    throw err instanceof KilnError ? new UsageError(err.userMessage) : err;
  }
  const catalogDir = resolve(cwd, opts.catalog);
  const catalog = await requireCatalog(opts.catalog, cwd);
  const taken = (name: string) => {
    const existing = catalog.get(name);
    if (existing)
      throw new KilnError(
        `the catalog already has an entry named ${name} (version ${existing.version}); kiln catalog bump ${name} updates it, --name adds this one under another name`,
      );
  };
  // Before downloading anything, when the name is known already.
  taken(opts.name ?? nameOfSource(source));
  const kafka = opts.kafka ?? testedRange(DEFAULT_CONFORMANCE_KAFKA);
  const proposal = await proposeEntry({
    source,
    kafka,
    ...(opts.name ? { name: opts.name } : {}),
    ...(opts.title ? { title: opts.title } : {}),
    ...(opts.type ? { type: opts.type } : {}),
    ...(opts.pluginVersion ? { version: opts.pluginVersion } : {}),
    ...(opts.license ? { license: opts.license } : {}),
    ...(opts.exclude?.length ? { exclude: opts.exclude } : {}),
    ...(opts.transitive ? { transitive: true } : {}),
    resolve: { env: io.env, onProgress: progressReporter(io), ...(io.signal ? { signal: io.signal } : {}) },
  });
  const { entry } = proposal;
  const file = join(catalogDir, `${entry.name}.yaml`);
  taken(entry.name);

  const prompt = canPrompt(io);
  let owners = opts.owners;
  if (!owners?.length && prompt)
    owners = (await ask(io, "Owners (comma-separated):"))?.split(",").map((o) => o.trim());
  owners = owners?.length ? owners : usualOwners(catalog.entries.map((e) => e.entry));
  if (!owners?.length) throw new UsageError("pass --owners (the team that answers for this plugin)");
  let license = entry.license;
  let licenseFrom = proposal.licenseFrom;
  if (!license && prompt) {
    license = await ask(io, "No licence found in the POM or the files. SPDX licence id:");
    licenseFrom = "your answer";
  }
  if (!license)
    throw new KilnError(
      "no licence found in the POM or the plugin's files; read it on the project's site and pass --license <SPDX id>",
    );

  const full = { ...entry, owners, license } as ConnectorPlugin;
  let exampleNote: string | undefined;
  if (opts.example) {
    const { proposeExample } = await import("@kiln/connectors");
    const example = await proposeExample(full, proposal.dir, {
      kafka: [...DEFAULT_CONFORMANCE_KAFKA].sort().at(-1) as string,
      onProgress: (line) => writeLine(io.stderr, line),
      ...(io.signal ? { signal: io.signal } : {}),
    });
    if (example) {
      full.example = example.example;
      if (example.note) exampleNote = example.note;
    } else writeLine(io.stderr, "kiln: no connector class in this plugin: an example is only for connectors");
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
  if (problems.length > 0) {
    for (const d of problems) writeLine(io.stderr, formatDiagnostic(d));
    writeLine(io.stderr, `kiln: ${rel} not written: the entry would make the catalog invalid`);
    return EXIT_FAILURE;
  }
  await writeFile(file, text, { flag: "wx" }).catch((err: NodeJS.ErrnoException) => {
    throw err.code === "EEXIST"
      ? new KilnError(`${rel} already exists; move it away or add the plugin under another --name`)
      : err;
  });

  const after = (await readCatalog(catalogDir, { cwd })).catalog;
  if (!after) throw new KilnError(`${rel} was written but the catalog does not read back; run kiln validate`);
  const current = await readLockfile(opts.lockfile, cwd);
  const lock = await lockCatalog(after, current?.lock, [entry.name], {
    env: io.env,
    ...(io.signal ? { signal: io.signal } : {}),
  });
  await writeLockfile(opts.lockfile, cwd, lock);

  if (opts.json) {
    writeLine(
      io.stdout,
      JSON.stringify(
        {
          file: rel,
          entry: full,
          licenseFrom,
          serviceLoad: proposal.report.serviceLoad,
          warnings: proposal.report.warnings,
          errors: proposal.report.errors,
        },
        null,
        2,
      ),
    );
  } else {
    writeLine(
      io.stdout,
      summary({ ...proposal, entry: full }, rel, licenseFrom, {
        written: Boolean(full.example),
        note: exampleNote,
      }).join("\n"),
    );
    writeLine(io.stdout, `locked ${entry.name} in ${opts.lockfile ?? "kiln.lock.json"}`);
    writeLine(io.stdout, `next: kiln conformance ${entry.name}, then commit both files and open the PR`);
  }
  return proposal.report.errors.length > 0 ? EXIT_FAILURE : EXIT_OK;
}
