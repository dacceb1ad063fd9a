import type { ConnectorPlugin, Diagnostic, LicensePolicy, SourceDocument } from "@kiln/schemas";
import { formatPath, type PathSegment } from "@kiln/schemas";
import { isValidRange, normalizeVersion } from "./version.js";

/** A catalog entry together with where it was read from. */
export interface LoadedEntry {
  entry: ConnectorPlugin;
  source: SourceDocument;
}

function at(e: LoadedEntry, path: PathSegment[], key = false) {
  const pos = e.source.locate(path, { key });
  return { file: e.source.file, line: pos.line, column: pos.column, path: formatPath(path) };
}

function error(e: LoadedEntry, path: PathSegment[], code: string, message: string): Diagnostic {
  return { severity: "error", code, message, location: at(e, path) };
}

/** The entry type its connector classes call for: source, sink, both, or other (no connectors). */
export function typeOfClasses(classes: ConnectorPlugin["classes"]): ConnectorPlugin["type"] {
  const source = classes.some((c) => c.type === "source");
  const sink = classes.some((c) => c.type === "sink");
  return source && sink ? "both" : source ? "source" : sink ? "sink" : "other";
}

/** Why the top-level `type` disagrees with the connector classes the entry declares (undefined: it agrees). */
function typeMismatch(entry: ConnectorPlugin): string | undefined {
  const want = typeOfClasses(entry.classes);
  if (want === entry.type) return undefined;
  const connectors = entry.classes.filter((c) => c.type === "source" || c.type === "sink");
  const listed = connectors.length
    ? `its connector classes are ${connectors.map((c) => `${c.class} (${c.type})`).join(", ")}`
    : "it declares no source or sink connector class";
  return `type "${entry.type}" does not match the classes: ${listed}; the type must be "${want}"`;
}

/**
 * Checks what a schema cannot: names and connector classes unique across entries,
 * versions and Kafka ranges that parse, https artifact URLs, the licence
 * policy, a type that matches the connector classes, and an example that uses a class the entry
 * provides. Pure.
 */
export function checkCatalog(entries: LoadedEntry[], policy: LicensePolicy): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byName = new Map<string, LoadedEntry>();
  const byClass = new Map<string, LoadedEntry>();
  const allowed = new Set(policy.allow);

  for (const e of entries) {
    const { entry } = e;
    const first = byName.get(entry.name);
    if (first) {
      out.push(
        error(
          e,
          ["name"],
          "duplicate-name",
          `entry name "${entry.name}" is already used by ${first.source.file}`,
        ),
      );
    } else byName.set(entry.name, e);

    for (const [i, c] of entry.classes.entries()) {
      // A connector class names what a connector runs, so it must be unambiguous; converters,
      // transforms and the like travel with the connectors of each plugin (Debezium bundles its
      // transforms with every connector) and Connect looks them up in the connector's plugin first.
      if (c.type !== "source" && c.type !== "sink") continue;
      const owner = byClass.get(c.class);
      if (owner && owner !== e) {
        out.push(
          error(
            e,
            ["classes", i, "class"],
            "duplicate-class",
            `class ${c.class} is also provided by "${owner.entry.name}" (${owner.source.file})`,
          ),
        );
      } else byClass.set(c.class, e);
    }

    if (!normalizeVersion(entry.version)) {
      out.push(
        error(
          e,
          ["version"],
          "bad-version",
          `version "${entry.version}" is neither semver nor a Maven-style version such as 3.3.1.Final`,
        ),
      );
    }
    if (!isValidRange(entry.kafka)) {
      out.push(
        error(
          e,
          ["kafka"],
          "bad-kafka-range",
          `kafka "${entry.kafka}" is not a valid semver range (e.g. ">=3.9.0 <5.0.0")`,
        ),
      );
    }
    for (const [i, a] of entry.artifacts.entries()) {
      if ("url" in a && !a.url.startsWith("https://")) {
        out.push(error(e, ["artifacts", i, "url"], "insecure-url", "artifact URLs must use https"));
      }
      if (a.type === "maven" && a.repository && !a.repository.startsWith("https://")) {
        out.push(
          error(e, ["artifacts", i, "repository"], "insecure-url", "Maven repositories must use https"),
        );
      }
    }
    const licenses = entry.license.split(/ (?:AND|OR|WITH) /);
    const excepted = policy.exceptions?.some((x) => x.entry === entry.name && x.license === entry.license);
    const unknown = licenses.filter((l) => !allowed.has(l));
    if (unknown.length > 0 && !excepted) {
      out.push(
        error(
          e,
          ["license"],
          "license-not-allowed",
          `licence ${unknown.join(", ")} is not in the licence policy; add it to allow (OSI-approved) or add an exception for "${entry.name}" with a reason`,
        ),
      );
    }
    const kind = typeMismatch(entry);
    if (kind) out.push(error(e, ["type"], "type-classes", kind));
    if (entry.example && !entry.classes.some((c) => c.class === entry.example?.class)) {
      out.push(
        error(
          e,
          ["example", "class"],
          "example-class",
          `example class ${entry.example.class} is not one of the entry's classes`,
        ),
      );
    }
  }
  return out;
}
