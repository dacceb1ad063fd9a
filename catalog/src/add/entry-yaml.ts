import type { ConnectorPlugin } from "@kiln/schemas";
import { Document, isSeq } from "yaml";

/** The modeline editors read to complete and check a catalog file. */
export function schemaModeline(schema: string): string {
  return `# yaml-language-server: $schema=${schema}`;
}

// The order entries are written in (README's), then anything else.
const ORDER = [
  "apiVersion",
  "kind",
  "name",
  "title",
  "description",
  "type",
  "version",
  "license",
  "homepage",
  "documentation",
  "kafka",
  "owners",
  "classes",
  "artifacts",
  "example",
];

/** A catalog entry as a YAML file: the modeline, keys in the usual order, strings quoted only where YAML needs it. Pure. */
export function entryYaml(entry: ConnectorPlugin, modeline: string): string {
  const ordered = Object.fromEntries(
    Object.entries(entry).sort(
      ([a], [b]) => (ORDER.indexOf(a) + 1 || ORDER.length + 1) - (ORDER.indexOf(b) + 1 || ORDER.length + 1),
    ),
  );
  const doc = new Document(ordered);
  // Owners read best on one line, as the catalog's other entries write them.
  const owners = doc.get("owners", true);
  if (isSeq(owners)) owners.flow = true;
  return `${modeline}\n${doc.toString({ lineWidth: 0, flowCollectionPadding: false })}`;
}
