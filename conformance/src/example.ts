import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConnectClient, looksLikeSecretKey, type PluginConfigKey } from "@kiln/connectors";
import { abortedError, type ConnectorPlugin, KilnError } from "@kiln/schemas";
import { CONNECT_KEYS, validationErrors } from "./evaluate.js";
import { localRuntime } from "./local-runtime.js";
import { pluginPathFor } from "./runner.js";
import type { ConformanceRuntime } from "./runtime.js";

type Example = NonNullable<ConnectorPlugin["example"]>;

/** A config-provider placeholder for a secret key: the value lives in a file mounted beside the worker. */
export function secretPlaceholder(plugin: string, key: string): string {
  return `\${file:/opt/kafka/external-configuration/${plugin}/credentials.properties:${key}}`;
}

/** A value of the right type for a required key that has no default. */
function placeholder(def: Pick<PluginConfigKey, "name" | "type">): string {
  const key = def.name.toLowerCase();
  switch (def.type) {
    case "BOOLEAN":
      return "false";
    case "INT":
    case "LONG":
    case "SHORT":
      return key.endsWith("port") ? "5432" : "1";
    case "DOUBLE":
      return "1.0";
    default:
      if (/host(name)?$/.test(key)) return "localhost";
      if (/topics?$|topic\.prefix$/.test(key)) return "example";
      return "example";
  }
}

/**
 * An example config from a connector's own config definition: every required key without a
 * default, with a value of its type; secrets (PASSWORD keys, or keys named like one) as
 * config-provider placeholders; a sink's `topics`. Pure.
 */
export function exampleConfig(
  entry: Pick<ConnectorPlugin, "name">,
  type: "source" | "sink",
  defs: readonly PluginConfigKey[],
): Record<string, string> {
  const config: Record<string, string> = {};
  for (const def of [...defs].sort((a, b) => a.name.localeCompare(b.name))) {
    // Connect's own keys (name, connector.class, converters…) are not the plugin's to fill.
    if (CONNECT_KEYS.test(def.name)) continue;
    const required = def.required ?? (def.default_value === null || def.default_value === undefined);
    if (required) config[def.name] = valueFor(entry, def);
  }
  if (type === "sink") config.topics ??= "example";
  return config;
}

/** A placeholder for a secret key, else a value of the key's type. */
function valueFor(entry: Pick<ConnectorPlugin, "name">, def: Pick<PluginConfigKey, "name" | "type">): string {
  return def.type === "PASSWORD" || looksLikeSecretKey(def.name)
    ? secretPlaceholder(entry.name, def.name)
    : placeholder(def);
}

/**
 * The connector an example is for: the one whose name matches the entry's (a package's timer
 * connector rather than its generic base connector), else the first source, else the first sink.
 */
export function exampleConnector(entry: Pick<ConnectorPlugin, "name" | "classes">) {
  const connectors = [
    ...entry.classes.filter((c) => c.type === "source"),
    ...entry.classes.filter((c) => c.type === "sink"),
  ];
  const words = entry.name.split("-").filter((w) => w.length > 2);
  const specific = words.filter(
    (w) => connectors.filter((c) => c.class.toLowerCase().includes(w)).length === 1,
  );
  return connectors.find((c) => specific.some((w) => c.class.toLowerCase().includes(w))) ?? connectors[0];
}

/**
 * Proposes an entry's example on a real Connect worker (the conformance runtime): its first
 * connector's config definition (`GET /connector-plugins/{class}/config`) becomes a config,
 * validated on the worker. Keys the connector's own validation asks for beyond its definition
 * (many declare no default yet require a value) are filled from their definitions, for a few
 * rounds; the keys that still fail (those that need the external system) become
 * `expectedErrors`. When validation itself breaks, the example is kept unvalidated with a note
 * (conformance names the cause). Undefined when the plugin has no connector.
 */
export async function proposeExample(
  entry: ConnectorPlugin,
  dir: string,
  opts: {
    kafka: string;
    runtime?: ConformanceRuntime;
    onProgress?: (line: string) => void;
    /** The command's deadline: the worker stops and the example is given up. */
    signal?: AbortSignal;
  },
): Promise<{ example: Example; note?: string } | undefined> {
  const connector = exampleConnector(entry);
  if (!connector) return undefined;
  const log = opts.onProgress ?? (() => {});
  const work = await mkdtemp(join(tmpdir(), "kiln-example-"));
  const own = opts.runtime ? undefined : localRuntime(join(work, "runtime"));
  const runtime = opts.runtime ?? (own as ConformanceRuntime);
  // At the deadline the worker and its broker stop, so whatever waits on them fails at once.
  const stop = () => void own?.close();
  opts.signal?.addEventListener("abort", stop, { once: true });
  /** A validation that broke becomes the example's note; a deadline ends the command. */
  const noteOf = (err: unknown) => {
    if (opts.signal?.aborted) throw err;
    return `validation failed on Kafka ${opts.kafka}: ${err instanceof KilnError ? err.userMessage : (err as Error).message}`;
  };
  try {
    log(`kafka ${opts.kafka}: starting a Connect worker to read ${connector.class}'s config definition`);
    await runtime.prepare(opts.kafka);
    const worker = await runtime.startWorker(
      opts.kafka,
      await pluginPathFor(work, "example", [{ entry, dir }]),
    );
    const client = new ConnectClient({
      urls: [worker.url],
      retry: { deadlineMs: 60_000 },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    try {
      const defs = await client.pluginConfig(connector.class);
      const config = exampleConfig(entry, connector.type as "source" | "sink", defs);
      const validate = () =>
        client.validate(connector.class, {
          ...config,
          "connector.class": connector.class,
          name: `kiln-example-${entry.name}`,
        });
      let result: Awaited<ReturnType<typeof validate>>;
      try {
        result = await validate();
      } catch (err) {
        // The connector cannot even be validated (a plugin that breaks on this Kafka line):
        // the example stays as its definition says; conformance reports the cause.
        return { example: { class: connector.class, config }, note: noteOf(err) };
      }
      for (let round = 0; round < 3; round++) {
        const asked = [...validationErrors(result).keys()].filter(
          (k) => !(k in config) && !CONNECT_KEYS.test(k),
        );
        if (asked.length === 0) break;
        for (const key of asked) {
          const def = result.configs.find((c) => c.definition?.name === key)?.definition;
          config[key] = valueFor(entry, def ?? { name: key, type: "STRING" });
        }
        try {
          result = await validate();
        } catch (err) {
          // Filled in, the connector got as far as its external system and broke (a JDBC driver
          // the package leaves out): the example is what a user writes; conformance names the cause.
          return { example: { class: connector.class, config }, note: noteOf(err) };
        }
      }
      const failing = [...validationErrors(result).keys()].sort();
      return {
        example: {
          class: connector.class,
          config,
          ...(failing.length > 0 ? { expectedErrors: failing } : {}),
        },
      };
    } finally {
      await client.close();
      await worker.stop();
    }
  } catch (err) {
    throw abortedError(opts.signal, "reading the plugin's config definition on a Connect worker", err) ?? err;
  } finally {
    opts.signal?.removeEventListener("abort", stop);
    await own?.close();
    await rm(work, { recursive: true, force: true });
  }
}
