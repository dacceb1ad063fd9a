import { readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { type ConnectorPlugin, KilnError } from "@kiln/schemas";
import { digestFile } from "../cache/cache.js";
import { isKafkaProvided, parseJarName } from "../kafka-provided.js";
import { type BundledKafkaJar, bundledKafkaFindings } from "./bundled-kafka.js";
import { ClassFormatError, type ClassHeader, isInstantiable, parseClassHeader } from "./classfile.js";
import { MAX_ENTRY_BYTES, readJarEntries, UnreadableJarError } from "./jar-entries.js";
import { ClassHierarchy, type ClassType, SERVICE_INTERFACES } from "./plugin-classes.js";

export { SERVICE_INTERFACES };

export interface JarContents {
  /** Fully qualified names of the classes the jar holds. */
  classes: Set<string>;
  /** Service manifest entries: class → the plugin types it is registered as. */
  services: Array<{ class: string; type: ClassType }>;
  /** The headers of its class files (name, supertypes, modifiers); class files that do not parse are left out. */
  headers: ClassHeader[];
}

/** A jar that cannot be read: not a zip, corrupt, or holding entries kiln refuses. */
export class NotAZipError extends KilnError {}

/** Largest service manifest read (a real one lists a few classes; a hostile one could be gigabytes). */
export const MAX_SERVICE_FILE_BYTES = 1 << 20;
/** Most entries read from one jar. */
export const MAX_JAR_ENTRIES = 200_000;

/** Parses a `META-INF/services` file: one class per line, `#` comments. */
export function parseServiceFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => (l.split("#")[0] ?? "").trim())
    .filter((l) => l !== "");
}

const isClassFile = (name: string) =>
  name.endsWith(".class") && !name.startsWith("META-INF/") && !name.endsWith("module-info.class");

/** Reads a jar without a JVM: its class names, the headers of its class files, and its service manifests. */
export async function readJar(path: string): Promise<JarContents> {
  const services: JarContents["services"] = [];
  const headers: ClassHeader[] = [];
  let names: string[];
  try {
    names = await readJarEntries(
      path,
      (name) =>
        isClassFile(name)
          ? MAX_ENTRY_BYTES
          : SERVICE_INTERFACES[name.slice("META-INF/services/".length)] !== undefined &&
            MAX_SERVICE_FILE_BYTES,
      (name, body) => {
        if (name.startsWith("META-INF/services/")) {
          const type = SERVICE_INTERFACES[name.slice("META-INF/services/".length)] as ClassType;
          for (const c of parseServiceFile(body.toString("utf8"))) services.push({ class: c, type });
          return;
        }
        try {
          headers.push(parseClassHeader(body));
        } catch (err) {
          if (!(err instanceof ClassFormatError)) throw err;
        }
      },
    );
  } catch (err) {
    if (!(err instanceof UnreadableJarError)) throw err;
    throw new NotAZipError(
      err.notAZip ? `is not a zip file (${err.message})` : `cannot be read as a jar: ${err.message}`,
      {
        location: { file: path },
        cause: err,
      },
    );
  }
  const classes = new Set(
    names.filter(isClassFile).map((n) => n.slice(0, -".class".length).replace(/\//g, ".")),
  );
  return { classes, services, headers };
}

export interface JarReport {
  /** Relative to the plugin directory. */
  path: string;
  artifact: string;
  version: string | undefined;
  sha256: string;
  classes: number;
  services: Array<{ class: string; type: ClassType }>;
  kafkaProvided: boolean;
}

export interface DeclaredClassReport {
  class: string;
  type: ClassType;
  /** Which jar holds the class file (undefined: absent). */
  jar: string | undefined;
  /** Registered in a service manifest as this type. */
  serviceManifest: boolean;
}

/** A plugin class Connect's scan finds in the plugin, for one of its types. */
export interface ProvidedClass {
  class: string;
  type: ClassType;
  jar: string;
  /** Registered in a `META-INF/services` manifest (found by `plugin.discovery=service_load`). */
  manifest: boolean;
  /** From a copy of a Kafka jar the plugin bundles, not from the plugin's own jars. */
  bundledKafka: boolean;
}

export interface PluginReport {
  name: string;
  version: string;
  jars: JarReport[];
  declared: DeclaredClassReport[];
  /** Every plugin class Connect finds in the plugin (by class hierarchy and service manifests), per type. */
  provided: ProvidedClass[];
  /** Classes of the plugin's own jars the entry does not declare: an entry lists exactly what the plugin provides. */
  undeclared: ProvidedClass[];
  /** Copies of Kafka's jars inside the plugin, and what Connect does with them. */
  bundledKafka: BundledKafkaJar[];
  /** Works with `plugin.discovery=service_load` (KIP-898): every declared class has a manifest entry. */
  serviceLoad: boolean;
  errors: string[];
  warnings: string[];
}

/** `4.1.132.Final-linux-x86_64` → `4.1.132.Final`: the version without a platform classifier. */
function versionCore(version: string | undefined): string {
  return (version ?? "").replace(/-(linux|osx|windows)-[\w-]+$/, "");
}

async function jarsUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".jar"))
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/"))
    .sort();
}

const byClass = (a: { class: string; type: string }, b: { class: string; type: string }) =>
  a.class < b.class ? -1 : a.class > b.class ? 1 : a.type < b.type ? -1 : a.type > b.type ? 1 : 0;

/** YAML lines to paste under `classes:`. */
export function classesYaml(classes: ReadonlyArray<{ class: string; type: ClassType }>): string {
  return classes.map((c) => `  - class: ${c.class}\n    type: ${c.type}`).join("\n");
}

/**
 * Inspects a laid-out plugin directory against its catalog entry: every plugin class its jars
 * provide (found as Connect's scan finds them: by class hierarchy and by service manifest),
 * whether the entry declares exactly those with their real types, whether each is registered
 * for ServiceLoader discovery, and jars that should not be there.
 */
export async function inspectPlugin(
  entry: ConnectorPlugin,
  dir: string,
  opts: { files?: ReadonlyArray<{ path: string; sha256: string }> } = {},
): Promise<PluginReport> {
  // Digests resolvePlugins already computed are not computed again.
  const known = new Map((opts.files ?? []).map((f) => [f.path, f.sha256]));
  const errors: string[] = [];
  const warnings: string[] = [];
  const jars: JarReport[] = [];
  const contents = new Map<string, JarContents>();
  const headers = new Map<string, ClassHeader>();
  const headerJar = new Map<string, string>();
  for (const path of await jarsUnder(dir)) {
    const { artifact, version } = parseJarName(path);
    const sha256 = known.get(path) ?? (await digestFile(join(dir, path))).sha256;
    let c: JarContents;
    try {
      c = await readJar(join(dir, path));
    } catch (err) {
      if (!(err instanceof NotAZipError)) throw err;
      errors.push(`${path}: ${err.userMessage}`);
      continue;
    }
    for (const h of c.headers) {
      if (headers.has(h.name)) continue;
      headers.set(h.name, h);
      headerJar.set(h.name, path);
    }
    contents.set(path, c);
    jars.push({
      path,
      artifact,
      version,
      sha256,
      classes: c.classes.size,
      services: c.services,
      kafkaProvided: isKafkaProvided(path),
    });
  }
  if (jars.length === 0 && errors.length === 0) errors.push("the plugin directory holds no jars");

  const byArtifact = new Map<string, JarReport[]>();
  for (const j of jars) byArtifact.set(j.artifact, [...(byArtifact.get(j.artifact) ?? []), j]);
  for (const [artifact, list] of byArtifact) {
    // Platform classifiers of one version (as netty ships them) are not a conflict.
    const versions = new Set(list.map((j) => versionCore(j.version)));
    if (versions.size > 1) {
      warnings.push(
        `${artifact} appears in ${versions.size} versions: ${list.map((j) => j.path).join(", ")}`,
      );
    }
  }

  const holder = (cls: string) => [...contents].find(([, c]) => c.classes.has(cls))?.[0];
  const kafkaJars = new Set(jars.filter((j) => j.kafkaProvided).map((j) => j.path));
  // What Connect lists: every instantiable class whose supertypes make it a plugin, and every
  // class a service manifest registers.
  const found = new Map<string, ProvidedClass>();
  const add = (cls: string, type: ClassType, jar: string, manifest: boolean) => {
    const key = `${cls} ${type}`;
    const had = found.get(key);
    if (had) had.manifest ||= manifest;
    else found.set(key, { class: cls, type, jar, manifest, bundledKafka: kafkaJars.has(jar) });
  };
  const hierarchy = new ClassHierarchy(headers);
  for (const p of hierarchy.plugins()) {
    for (const type of p.types) add(p.class, type, headerJar.get(p.class) as string, false);
  }
  for (const [path, c] of contents) {
    for (const s of c.services) {
      const jar = holder(s.class);
      if (!jar) {
        errors.push(`${path} registers ${s.class} as a ${s.type}, but no jar in the plugin has that class`);
        continue;
      }
      const header = headers.get(s.class);
      if (header && !isInstantiable(header)) continue;
      add(s.class, s.type, jar, true);
    }
  }
  const provided = [...found.values()].sort(byClass);

  const declared = entry.classes.map((d): DeclaredClassReport => {
    const jar = holder(d.class);
    const registrations = provided.filter((p) => p.class === d.class);
    const serviceManifest = registrations.some((p) => p.type === d.type && p.manifest);
    const header = headers.get(d.class);
    const actual = [...new Set(registrations.map((r) => r.type))];
    if (!jar) errors.push(`declared ${d.type} class ${d.class} is not in any jar of the plugin`);
    else if (header && !isInstantiable(header))
      errors.push(
        `declared ${d.type} class ${d.class} is abstract, an interface or not public: Connect cannot instantiate it`,
      );
    else if (actual.length > 0 && !actual.includes(d.type))
      errors.push(
        `${d.class} is declared as a ${d.type}, but it is a ${actual.join(" and a ")} (its supertypes and service manifests say so): declare it as type ${actual.join(" and as type ")}`,
      );
    else if (!serviceManifest) {
      const as = registrations
        .filter((r) => r.manifest)
        .map((r) => r.type)
        .join(", ");
      warnings.push(
        `${d.class} is not registered as a ${d.type} in META-INF/services${as ? ` (registered as ${as})` : ""}: plugin.discovery=service_load will not find it`,
      );
    }
    return { class: d.class, type: d.type, jar, serviceManifest };
  });
  const isDeclared = new Set(entry.classes.map((c) => `${c.class} ${c.type}`));
  const undeclared = provided.filter((p) => !p.bundledKafka && !isDeclared.has(`${p.class} ${p.type}`));
  if (undeclared.length > 0) {
    errors.push(
      `the plugin provides ${undeclared.length} class${undeclared.length === 1 ? "" : "es"} the entry does not declare (Connect lists each of them; an entry declares exactly what its plugin provides): ${undeclared.map((u) => `${u.class} (${u.type})`).join(", ")}. Add to classes:\n${classesYaml(undeclared)}`,
    );
  }

  const bundled = bundledKafkaFindings(
    jars
      .filter((j) => j.kafkaProvided)
      .map((j) => ({ ...j, classes: (contents.get(j.path) as JarContents).classes })),
    entry.kafka,
  );
  errors.push(...bundled.errors);
  warnings.push(...bundled.warnings);
  const serviceLoad = declared.every((d) => d.jar !== undefined && d.serviceManifest);
  return {
    name: entry.name,
    version: entry.version,
    jars,
    declared,
    provided,
    undeclared,
    bundledKafka: bundled.jars,
    serviceLoad,
    errors,
    warnings,
  };
}

/** Warnings across the plugins of one image: the same class in two plugins, or one library in two versions. */
export function crossPluginWarnings(reports: readonly PluginReport[]): string[] {
  const out: string[] = [];
  const classOwners = new Map<string, Set<string>>();
  for (const r of reports) {
    for (const p of r.provided) classOwners.set(p.class, (classOwners.get(p.class) ?? new Set()).add(r.name));
  }
  for (const [cls, owners] of [...classOwners].sort()) {
    if (owners.size > 1) {
      const list = [...owners].sort().join(", ");
      out.push(
        `${cls} is provided by ${owners.size} plugins (${list}): configs naming it get whichever Connect finds`,
      );
    }
  }
  const versions = new Map<string, Map<string, string[]>>();
  for (const r of reports) {
    for (const j of r.jars) {
      if (!j.version) continue;
      const byVersion = versions.get(j.artifact) ?? new Map<string, string[]>();
      byVersion.set(j.version, [...(byVersion.get(j.version) ?? []), r.name]);
      versions.set(j.artifact, byVersion);
    }
  }
  for (const [artifact, byVersion] of [...versions].sort()) {
    if (byVersion.size > 1) {
      const list = [...byVersion].map(([v, names]) => `${v} (${[...new Set(names)].join(", ")})`).join(", ");
      out.push(`${artifact} comes in different versions across plugins: ${list}`);
    }
  }
  return out;
}
