import { normalizeVersion } from "@kiln/catalog/read";
import { findLiteralSecrets, type PluginInfo, type ValidationResult } from "@kiln/connectors";
import type { ConnectorPlugin } from "@kiln/schemas";
import type { PluginPathRow } from "./runtime.js";

/** One entry on one Kafka version: pass, fail (with reasons), or a declared, expected failure. */
export type CellStatus = "pass" | "fail" | "expected-fail";

export interface Cell {
  status: CellStatus;
  reasons: string[];
}

// Connect's REST type names for the catalog's class types.
const REST_TYPE: Record<string, string> = {
  source: "source",
  sink: "sink",
  converter: "converter",
  "header-converter": "header_converter",
  transform: "transformation",
  predicate: "predicate",
};

/**
 * Checks the classes a worker lists for an entry: every declared class present
 * with its type, and the version the plugin reports equal to the entry's.
 * Config providers are not listed by Connect's REST API; they are proven by
 * static inspection of the jars instead (`providedByJars`).
 */
export function checkListedClasses(
  entry: ConnectorPlugin,
  listed: PluginInfo[],
  providedByJars: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  const want = normalizeVersion(entry.version);
  for (const c of entry.classes) {
    if (c.type === "config-provider") {
      if (!providedByJars.has(c.class))
        problems.push(`config provider ${c.class} is not declared in the plugin's jars`);
      continue;
    }
    const found = listed.filter((p) => p.class === c.class);
    if (found.length === 0) {
      problems.push(`${c.class} is not listed by the worker (GET /connector-plugins)`);
      continue;
    }
    if (!found.some((p) => p.type === REST_TYPE[c.type])) {
      problems.push(
        `${c.class} is listed as ${found.map((p) => p.type).join(", ")}, not ${REST_TYPE[c.type]}`,
      );
      continue;
    }
    // Converters and transforms often report no version; connectors must report the entry's.
    if (
      (c.type === "source" || c.type === "sink") &&
      !found.some((p) => p.version && normalizeVersion(p.version) === want)
    ) {
      problems.push(
        `${c.class} reports version ${found.map((p) => p.version ?? "none").join(", ")}, the entry says ${entry.version}`,
      );
    }
  }
  return problems;
}

// Kafka's plugin-path tool's type names for the catalog's class types.
const TOOL_TYPE: Record<string, ConnectorPlugin["classes"][number]["type"]> = {
  source: "source",
  sink: "sink",
  converter: "converter",
  header_converter: "header-converter",
  transformation: "transform",
  predicate: "predicate",
  configprovider: "config-provider",
};

/**
 * Classes Connect lists from the plugin's own directory that the entry does not declare (an
 * entry declares exactly what its plugin provides). Kafka's own classes found in bundled copies
 * of its jars are not the plugin's; inspection reports those jars.
 */
export function undeclaredListedClasses(entry: ConnectorPlugin, rows: readonly PluginPathRow[]): string[] {
  const declared = new Set(entry.classes.map((c) => `${c.class} ${c.type}`));
  const missing = rows.flatMap((r) => {
    const type = TOOL_TYPE[r.type];
    if (!r.loadable || !type || r.className.startsWith("org.apache.kafka.")) return [];
    return declared.has(`${r.className} ${type}`) ? [] : [`${r.className} (${type})`];
  });
  if (missing.length === 0) return [];
  return [
    `Connect lists ${missing.length} class${missing.length === 1 ? "" : "es"} from this plugin that the entry does not declare: ${missing.join(", ")} (kiln inspect ${entry.name} prints the lines to add)`,
  ];
}

/**
 * Declared classes Connect's scan does not find in this plugin's directory. The REST listing
 * cannot tell which plugin a class came from, so a class another plugin on the worker provides
 * would hide one this plugin fails to load; the scan's rows say where each class is.
 */
export function declaredMissingFromScan(entry: ConnectorPlugin, rows: readonly PluginPathRow[]): string[] {
  if (rows.length === 0) return [];
  const found = new Set(
    rows.filter((r) => r.loadable).map((r) => `${r.className} ${TOOL_TYPE[r.type] ?? r.type}`),
  );
  return entry.classes
    .filter((c) => !found.has(`${c.class} ${c.type}`))
    .map((c) => `${c.class} (${c.type}) is not found in this plugin by Connect's scan (connect-plugin-path)`);
}

/** Per-key errors of a validate response, as `key: message`. */
export function validationErrors(result: ValidationResult): Map<string, string[]> {
  const out = new Map<string, string[]>();
  // Connect answers null for a config's value when the connector's own validate() left it out.
  for (const c of result.configs) if (c.value?.errors?.length) out.set(c.value.name, c.value.errors);
  return out;
}

/**
 * Judges the example config's validation. Without the external system only
 * the keys the entry declares may fail (expected-fail); with it (`systemPresent`)
 * every key must pass.
 */
export function judgeValidation(
  entry: ConnectorPlugin,
  result: ValidationResult,
  systemPresent: boolean,
): Cell {
  const errors = validationErrors(result);
  const allowed = new Set(systemPresent ? [] : (entry.example?.expectedErrors ?? []));
  const unexpected = [...errors].filter(([key]) => !allowed.has(key));
  if (unexpected.length > 0) {
    return {
      status: "fail",
      reasons: unexpected.map(([key, msgs]) => `example config: ${key}: ${msgs.join("; ")}`),
    };
  }
  const missing = [...allowed].filter((k) => !errors.has(k));
  if (missing.length > 0 && !systemPresent) {
    // An expected error that did not happen means the declaration is stale.
    return {
      status: "fail",
      reasons: missing.map((k) => `example config: ${k} was expected to fail validation but passed`),
    };
  }
  return errors.size > 0
    ? { status: "expected-fail", reasons: [...errors.keys()].map((k) => `${k} (external system absent)`) }
    : { status: "pass", reasons: [] };
}

// Keys every connector accepts: Connect's own, not the plugin's definitions.
export const CONNECT_KEYS =
  /^(name|connector\.class|tasks\.max|key\.converter|value\.converter|header\.converter|transforms|predicates|errors\.|topics|topics\.regex|topic\.creation\.|exactly\.once\.|offsets\.storage\.topic|config\.action\.reload|connector\.plugin\.version)/;

/**
 * What is wrong with an example config beyond Connect's per-key errors: keys
 * the plugin does not define (a typo validates silently in Connect), and
 * literal values where the plugin expects a PASSWORD or the key names a secret.
 */
export function exampleProblems(entry: ConnectorPlugin, result: ValidationResult): string[] {
  const example = entry.example;
  if (!example) return [];
  const defined = new Set(result.configs.flatMap((c) => (c.definition ? [c.definition.name] : [])));
  const passthrough = example.passthrough ?? [];
  const unknown = Object.keys(example.config)
    .filter((k) => !defined.has(k) && !CONNECT_KEYS.test(k) && !passthrough.some((p) => k.startsWith(p)))
    .sort();
  const passwords = new Set(
    result.configs.filter((c) => c.definition?.type === "PASSWORD").map((c) => c.definition.name),
  );
  return [
    ...unknown.map(
      (k) =>
        `example config: unknown key ${k} (not defined by ${example.class}; declare a passthrough prefix if the plugin forwards it)`,
    ),
    ...findLiteralSecrets(example.config as Record<string, string>, passwords).map(
      (f) =>
        `example config: ${f.key} holds a literal ${f.reason === "password-type" ? "PASSWORD" : f.reason === "url-credentials" ? "credential inside a URL" : "secret"}; use a config-provider placeholder`,
    ),
  ];
}

/** Combines the checks of one cell: any failure fails it; otherwise expected-fail wins over pass. */
export function combine(...cells: Cell[]): Cell {
  const reasons = cells.flatMap((c) => c.reasons);
  if (cells.some((c) => c.status === "fail"))
    return { status: "fail", reasons: cells.filter((c) => c.status === "fail").flatMap((c) => c.reasons) };
  if (cells.some((c) => c.status === "expected-fail")) return { status: "expected-fail", reasons };
  return { status: "pass", reasons: [] };
}
