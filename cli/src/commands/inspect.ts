import { crossPluginWarnings, inspectPlugin, type PluginReport, resolvePlugins } from "@kiln/catalog";
import { requireCatalog } from "@kiln/pipeline/catalog";
import { requireLockfile } from "@kiln/pipeline/lockfile";
import { KilnError } from "@kiln/schemas";
import { EXIT_FAILURE, EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { progressReporter } from "../progress.js";
import { formatTable } from "../table.js";

interface Options {
  catalog: string;
  lockfile?: string;
  all?: boolean;
  json?: boolean;
}

function format(r: PluginReport): string {
  const lines = [
    `Plugin:        ${r.name} ${r.version}`,
    `service_load:  ${r.serviceLoad ? "ready (every declared class has a META-INF/services entry)" : "NOT ready"}`,
    "",
    formatTable(
      ["declared class", "type", "jar", "service manifest"],
      r.declared.map((d) => [d.class, d.type, d.jar ?? "MISSING", d.serviceManifest ? "yes" : "no"]),
    ),
    "",
    formatTable(
      ["provided class", "type", "jar", "service manifest"],
      r.provided.map((p) => [p.class, p.type, p.jar, p.manifest ? "yes" : "no"]),
    ),
    "",
    `Jars: ${r.jars.length}`,
    ...(r.bundledKafka.length > 0
      ? [
          "",
          formatTable(
            ["bundled copy of a worker jar", "version", "loaded from the copy", "verdict"],
            r.bundledKafka.map((b) => [
              b.path,
              b.version ?? "?",
              b.isolated.length > 0 ? `${b.isolated.length} classes` : "never",
              b.otherMajor && b.isolated.length > 0
                ? "ERROR: another major Kafka version"
                : b.isolated.length > 0 && !b.claimedLine
                  ? "WARNING: another Kafka line"
                  : "dead weight or same line",
            ]),
          ),
        ]
      : []),
    ...r.errors.map((e) => `error: ${e}`),
    ...r.warnings.map((w) => `warning: ${w}`),
  ];
  return lines.join("\n");
}

/** `kiln inspect <names…>`: what the plugin's jars provide, checked against the catalog entry. Exit 1 on errors. */
export async function run(io: CommandIO, names: string[], opts: Options): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const catalog = await requireCatalog(opts.catalog, cwd);
  if (names.length === 0 && !opts.all) throw new KilnError("name the plugins to inspect, or pass --all");
  const lock = await requireLockfile(opts.lockfile, cwd);
  const plugins = await resolvePlugins(catalog, lock, opts.all ? undefined : names, {
    env: io.env,
    onProgress: progressReporter(io),
    ...(io.signal ? { signal: io.signal } : {}),
  });
  const reports: PluginReport[] = [];
  for (const p of plugins) {
    const entry = catalog.get(p.name);
    if (entry) reports.push(await inspectPlugin(entry, p.dir, { files: p.files }));
  }
  const across = reports.length > 1 ? crossPluginWarnings(reports) : [];
  const failed = reports.some((r) => r.errors.length > 0);
  if (opts.json) {
    writeLine(io.stdout, JSON.stringify({ plugins: reports, warnings: across }, null, 2));
  } else {
    writeLine(io.stdout, reports.map(format).join("\n\n---\n\n"));
    if (across.length > 0)
      writeLine(io.stdout, `\nAcross plugins:\n${across.map((w) => `warning: ${w}`).join("\n")}`);
  }
  return failed ? EXIT_FAILURE : EXIT_OK;
}
