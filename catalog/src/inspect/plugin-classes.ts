import type { PluginClass } from "@kiln/schemas";
import { type ClassHeader, isInstantiable } from "./classfile.js";

export type ClassType = PluginClass["type"];

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

const BOTH_CONVERTERS: ClassType[] = ["converter", "header-converter"];

// Kafka classes on the worker's class path that plugins extend: a plugin's class hierarchy
// ends in one of these when the plugin does not bundle the Kafka jar that defines it.
const KAFKA_SUPERTYPES: Record<string, ClassType[]> = {
  ...Object.fromEntries(Object.entries(SERVICE_INTERFACES).map(([k, v]) => [k, [v]])),
  "org.apache.kafka.connect.storage.StringConverter": BOTH_CONVERTERS,
  "org.apache.kafka.connect.storage.SimpleHeaderConverter": ["header-converter"],
  "org.apache.kafka.connect.json.JsonConverter": BOTH_CONVERTERS,
};

function kafkaSupertype(name: string): ClassType[] | undefined {
  const known = KAFKA_SUPERTYPES[name];
  if (known) return known;
  // Every class of these Kafka packages is a plugin of the package's kind (connect-transforms'
  // abstract SMTs, the numeric converters, the file and directory config providers).
  if (name.startsWith("org.apache.kafka.connect.transforms.predicates.")) return ["predicate"];
  if (name.startsWith("org.apache.kafka.connect.transforms.")) return ["transform"];
  if (name.startsWith("org.apache.kafka.connect.converters.")) return BOTH_CONVERTERS;
  if (name.startsWith("org.apache.kafka.common.config.provider.")) return ["config-provider"];
  return undefined;
}

// Packages Connect always loads from the worker's class path, never from a plugin (its
// PluginUtils), and the Kafka packages it nevertheless loads from a plugin's own copy first.
const WORKER_PACKAGES =
  /^(?:java|javax|org\.ietf\.jgss|org\.omg|org\.w3c\.dom|org\.xml\.sax|org\.apache\.kafka|org\.slf4j)\./;
const ISOLATED_KAFKA = new RegExp(
  [
    "^org\\.apache\\.kafka\\.connect\\.transforms\\.(?!Transformation$|predicates\\.Predicate$)",
    "^org\\.apache\\.kafka\\.connect\\.(?:json|file|mirror|mirror-client|converters)\\.",
    "^org\\.apache\\.kafka\\.connect\\.storage\\.(?:StringConverter|SimpleHeaderConverter)$",
    "^org\\.apache\\.kafka\\.connect\\.rest\\.basic\\.auth\\.extension\\.BasicAuthSecurityRestExtension$",
    "^org\\.apache\\.kafka\\.connect\\.connector\\.policy\\.(?!ConnectorClientConfig(?:OverridePolicy|Request(?:\\$ClientType)?)$)",
    "^org\\.apache\\.kafka\\.common\\.config\\.provider\\.(?!ConfigProvider$)",
  ].join("|"),
);

/**
 * Whether Connect loads this class from the plugin's own jars (plugin isolation, "child
 * first"); false for classes it always takes from the worker, such as the Kafka client and
 * Connect API, even when the plugin bundles a copy.
 */
export function loadsInIsolation(className: string): boolean {
  return !WORKER_PACKAGES.test(className) || ISOLATED_KAFKA.test(className);
}

/**
 * The plugin types of every class in an index of class headers: what its supertypes, followed
 * through the plugin's own classes and into Kafka's, make it. A hierarchy that leaves the
 * plugin for a class neither in the plugin nor a known Kafka type ends there (no type).
 */
export class ClassHierarchy {
  readonly #headers: ReadonlyMap<string, ClassHeader>;
  readonly #memo = new Map<string, ReadonlySet<ClassType>>();

  constructor(headers: ReadonlyMap<string, ClassHeader>) {
    this.#headers = headers;
  }

  typesOf(name: string): ReadonlySet<ClassType> {
    return this.#resolve(name, new Set());
  }

  #resolve(name: string, visiting: Set<string>): ReadonlySet<ClassType> {
    const memo = this.#memo.get(name);
    if (memo) return memo;
    // A cycle (only in corrupt jars) contributes nothing and is not remembered.
    if (visiting.has(name)) return new Set();
    const out = new Set<ClassType>();
    const header = this.#headers.get(name);
    // A Kafka supertype the plugin bundles is followed like any other class; one it does not
    // bundle is known by name.
    const known = header ? undefined : kafkaSupertype(name);
    for (const t of known ?? []) out.add(t);
    if (header) {
      visiting.add(name);
      for (const parent of [header.superName, ...header.interfaces]) {
        if (parent) for (const t of this.#resolve(parent, visiting)) out.add(t);
      }
      visiting.delete(name);
    }
    const direct = SERVICE_INTERFACES[name];
    if (direct) out.add(direct);
    this.#memo.set(name, out);
    return out;
  }

  /** Every class Connect's scan would list, with its types: instantiable, isolated, of a plugin type. */
  plugins(): Array<{ class: string; types: ClassType[] }> {
    const out: Array<{ class: string; types: ClassType[] }> = [];
    for (const [name, header] of this.#headers) {
      if (!isInstantiable(header) || !loadsInIsolation(name)) continue;
      const types = [...this.typesOf(name)].sort();
      if (types.length > 0) out.push({ class: name, types });
    }
    return out.sort((a, b) => (a.class < b.class ? -1 : a.class > b.class ? 1 : 0));
  }
}
