import { readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { Readable } from "node:stream";
import { type ConnectorPlugin, KilnError, type PluginClass } from "@kiln/schemas";
import yauzl from "yauzl";
import { digestFile } from "../cache/cache.js";
import { isKafkaProvided, parseJarName } from "../kafka-provided.js";

type ClassType = PluginClass["type"];

/** The ServiceLoader interfaces Kafka Connect discovers plugins by (KIP-898). */
export const SERVICE_INTERFACES: Record<string, ClassType> = {
  "org.apache.kafka.connect.source.SourceConnector": "source",
  "org.apache.kafka.connect.sink.SinkConnector": "sink",
  "org.apache.kafka.connect.storage.Converter": "converter",
  "org.apache.kafka.connect.storage.HeaderConverter": "header-converter",
  "org.apache.kafka.connect.transforms.Transformation": "transform",
  "org.apache.kafka.connect.transforms.predicates.Predicate": "predicate",
  "org.apache.kafka.common.config.provider.ConfigProvider": "config-provider",
};

export interface JarContents {
  /** Fully qualified names of the classes the jar holds. */
  classes: Set<string>;
  /** Service manifest entries: class → the plugin types it is registered as. */
  services: Array<{ class: string; type: ClassType }>;
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

/** A service file's text, refusing one over {@link MAX_SERVICE_FILE_BYTES}. */
function readAll(stream: Readable, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_SERVICE_FILE_BYTES) {
        stream.destroy();
        reject(new Error(`${name} is larger than ${MAX_SERVICE_FILE_BYTES} bytes`));
        return;
      }
      chunks.push(c);
    });
    stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    stream.on("error", reject);
  });
}

/**
 * Reads a jar's central directory (and only its service files' bodies): no JVM needed. A jar
 * that is not a zip, is corrupt (sizes that lie, entries that climb out with `../`), has more
 * than {@link MAX_JAR_ENTRIES} entries or an oversized service file is a NotAZipError.
 */
export async function readJar(path: string): Promise<JarContents> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (err, z) =>
      err
        ? reject(new NotAZipError(`is not a zip file (${err.message})`, { location: { file: path } }))
        : resolve(z as yauzl.ZipFile),
    ),
  );
  const classes = new Set<string>();
  const services: JarContents["services"] = [];
  let entries = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on("error", reject);
      zip.on("end", resolve);
      zip.on("entry", (entry: yauzl.Entry) => {
        if (++entries > MAX_JAR_ENTRIES) return reject(new Error(`more than ${MAX_JAR_ENTRIES} entries`));
        const name = entry.fileName;
        if (name.endsWith(".class") && !name.startsWith("META-INF/")) {
          classes.add(name.slice(0, -".class".length).replace(/\//g, "."));
        }
        const iface = name.startsWith("META-INF/services/")
          ? name.slice("META-INF/services/".length)
          : undefined;
        const type = iface ? SERVICE_INTERFACES[iface] : undefined;
        if (!type) {
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(err);
          readAll(stream, name).then((text) => {
            for (const c of parseServiceFile(text)) services.push({ class: c, type });
            zip.readEntry();
          }, reject);
        });
      });
      zip.readEntry();
    });
  } catch (err) {
    throw new NotAZipError(`cannot be read as a jar: ${(err as Error).message}`, {
      location: { file: path },
      cause: err,
    });
  } finally {
    zip.close();
  }
  return { classes, services };
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

export interface PluginReport {
  name: string;
  version: string;
  jars: JarReport[];
  declared: DeclaredClassReport[];
  /** Every plugin class the service manifests register, with the jar that registers it. */
  provided: Array<{ class: string; type: ClassType; jar: string }>;
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

/**
 * Inspects a laid-out plugin directory against its catalog entry: the classes
 * its jars provide, whether each declared class exists and is registered for
 * ServiceLoader discovery, and jars that should not be there.
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
    contents.set(path, c);
    const kafkaProvided = isKafkaProvided(path);
    if (kafkaProvided) {
      warnings.push(
        `${path}: Kafka ships ${artifact} itself; Connect loads it from the worker, so this copy is dead weight or a version conflict`,
      );
    }
    jars.push({
      path,
      artifact,
      version,
      sha256,
      classes: c.classes.size,
      services: c.services,
      kafkaProvided,
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

  const provided: PluginReport["provided"] = [];
  const holder = (cls: string) => [...contents].find(([, c]) => c.classes.has(cls))?.[0];
  for (const [path, c] of contents) {
    for (const s of c.services) {
      provided.push({ ...s, jar: path });
      if (!holder(s.class))
        errors.push(`${path} registers ${s.class} as a ${s.type}, but no jar in the plugin has that class`);
    }
  }
  const declared = entry.classes.map((d): DeclaredClassReport => {
    const jar = holder(d.class);
    const registrations = provided.filter((p) => p.class === d.class);
    const serviceManifest = registrations.some((p) => p.type === d.type);
    if (!jar) errors.push(`declared ${d.type} class ${d.class} is not in any jar of the plugin`);
    else if (!serviceManifest) {
      const as = registrations.map((r) => r.type).join(", ");
      warnings.push(
        `${d.class} is not registered as a ${d.type} in META-INF/services${as ? ` (registered as ${as})` : ""}: plugin.discovery=service_load will not find it`,
      );
    }
    return { class: d.class, type: d.type, jar, serviceManifest };
  });
  const serviceLoad = declared.every((d) => d.jar !== undefined && d.serviceManifest);
  return {
    name: entry.name,
    version: entry.version,
    jars,
    declared,
    provided,
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
