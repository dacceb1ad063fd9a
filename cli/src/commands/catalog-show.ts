import { requireCatalog } from "@kiln/pipeline/catalog";
import { KilnError } from "@kiln/schemas";
import { EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";

interface Options {
  catalog: string;
  json?: boolean;
}

function artifactLine(a: Record<string, unknown>): string {
  switch (a.type) {
    case "maven":
      return `maven ${[a.group, a.artifact, a.version, a.classifier, a.extension].filter(Boolean).join(":")}`;
    case "github-release":
      return `github-release ${String(a.repository)}@${String(a.tag)} ${String(a.asset)}`;
    default:
      return `${String(a.type)} ${String(a.url)}`;
  }
}

export async function run(io: CommandIO, name: string, opts: Options): Promise<number> {
  const catalog = await requireCatalog(opts.catalog, io.cwd ?? process.cwd());
  const entry = catalog.get(name);
  if (!entry) throw new KilnError(`no catalog entry named "${name}" (kiln catalog list shows them)`);
  if (opts.json) {
    writeLine(io.stdout, JSON.stringify(entry, null, 2));
    return EXIT_OK;
  }
  const lines = [
    `Name:         ${entry.name}`,
    `Title:        ${entry.title}`,
    `Type:         ${entry.type}`,
    `Version:      ${entry.version}`,
    `Kafka:        ${entry.kafka}`,
    `License:      ${entry.license}`,
    ...(entry.homepage ? [`Homepage:     ${entry.homepage}`] : []),
    ...(entry.documentation ? [`Docs:         ${entry.documentation}`] : []),
    `Owners:       ${entry.owners.join(", ")}`,
    `File:         ${catalog.fileOf(entry.name)}`,
    ...(entry.description ? ["", entry.description] : []),
    "",
    "Classes:",
    ...entry.classes.map((c) => `  ${c.type.padEnd(16)}${c.class}`),
    "",
    "Artifacts:",
    ...entry.artifacts.map(
      (a) => `  ${artifactLine(a as unknown as Record<string, unknown>)}\n    sha512 ${a.sha512}`,
    ),
  ];
  writeLine(io.stdout, lines.join("\n"));
  return EXIT_OK;
}
