import { type Diagnostic, mapLimit } from "@kiln/schemas";
import semver from "semver";
import type { ConnectClient } from "./client.js";
import type { DesiredConnector } from "./desired.js";
import { ConnectError } from "./errors.js";
import type { Plan } from "./planner.js";
import { describeFinding, findLiteralSecrets } from "./secrets.js";
import type { PluginInfo } from "./types.js";

export interface WorkerInventory {
  url: string;
  version: string;
  plugins: PluginInfo[];
}

/** `GET /` and `GET /connector-plugins` on every worker URL (not only the one that answers). */
export async function inventoryWorkers(client: ConnectClient): Promise<WorkerInventory[]> {
  return Promise.all(
    client.urls.map(async (url) => {
      const [info, plugins] = await Promise.all([client.serverInfo(url), client.plugins({ baseUrl: url })]);
      return { url, version: info.version, plugins };
    }),
  );
}

/** Kafka ≥ 4.1 knows `connector.plugin.version` (KIP-891). */
export function supportsPluginVersion(kafkaVersion: string): boolean {
  const v = semver.coerce(kafkaVersion);
  return v !== null && semver.gte(v, "4.1.0");
}

function diag(d: DesiredConnector, path: string, code: string, message: string): Diagnostic {
  return { severity: "error", code, message: `${d.name}: ${message}`, location: { ...d.location, path } };
}

/**
 * The plugin of every desired connector must be installed on every worker, at a version inside
 * `plugin.version` when one is given, and — when the config pins `connector.plugin.version` —
 * at exactly that version (which needs Kafka ≥ 4.1). Pure.
 */
export function checkPlugins(desired: DesiredConnector[], workers: WorkerInventory[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of desired) {
    const pinned = d.config["connector.plugin.version"];
    for (const w of workers) {
      const offered = w.plugins.filter((p) => p.class === d.connectorClass);
      if (offered.length === 0) {
        out.push(
          diag(
            d,
            "plugin",
            "plugin-missing",
            `${d.connectorClass} is not installed on the worker at ${w.url}`,
          ),
        );
        continue;
      }
      if (pinned !== undefined) {
        if (!supportsPluginVersion(w.version)) {
          out.push(
            diag(
              d,
              "config.connector.plugin.version",
              "plugin-version-unsupported",
              `connector.plugin.version needs Kafka 4.1 or later; the worker at ${w.url} runs ${w.version}`,
            ),
          );
        } else if (!offered.some((p) => p.version === pinned)) {
          out.push(
            diag(
              d,
              "config.connector.plugin.version",
              "plugin-version-missing",
              `${d.connectorClass} ${pinned} is not on the worker at ${w.url} (it has ${offered.map((p) => p.version).join(", ")})`,
            ),
          );
        }
      }
      const range = d.plugin.version;
      if (range) {
        const ok = offered.some((p) => {
          const v = semver.coerce(p.version ?? "");
          return v !== null && semver.satisfies(v, range);
        });
        if (!ok) {
          out.push(
            diag(
              d,
              "plugin.version",
              "plugin-version-mismatch",
              `the worker at ${w.url} has ${d.connectorClass} ${offered.map((p) => p.version).join(", ")}, outside ${range}`,
            ),
          );
        }
      }
    }
  }
  return out;
}

/** PASSWORD-typed keys of a plugin, from `GET /connector-plugins/{class}/config`. */
export async function passwordKeysOf(client: ConnectClient, pluginClass: string): Promise<Set<string>> {
  try {
    const defs = await client.pluginConfig(pluginClass);
    return new Set(defs.filter((d) => d.type === "PASSWORD").map((d) => d.name));
  } catch (err) {
    if (err instanceof ConnectError && err.status === 404) return new Set();
    throw err;
  }
}

export interface ClusterChecks {
  diagnostics: Diagnostic[];
  /** PASSWORD keys per connector class, for redaction. */
  passwordKeys: Map<string, Set<string>>;
  workers: WorkerInventory[];
}

/**
 * Everything checked before a plan is shown: plugins on every worker, literal secrets in every
 * declared config, and (unless `validate` is false: apply has Connect validate each config as
 * it writes it) Connect's own validation of every config that would be written. A config holding
 * a literal secret is never sent anywhere, not even to `/config/validate`.
 */
export async function checkCluster(
  client: ConnectClient,
  desired: DesiredConnector[],
  plan: Plan,
  opts: { validate?: boolean; concurrency?: number; workers?: WorkerInventory[] } = {},
): Promise<ClusterChecks> {
  const workers = opts.workers ?? (await inventoryWorkers(client));
  const diagnostics = checkPlugins(desired, workers);
  const installed = new Set(workers.flatMap((w) => w.plugins.map((p) => p.class)));
  const classes = [...new Set(desired.map((d) => d.connectorClass))];
  const passwordKeys = new Map<string, Set<string>>(
    await Promise.all(
      classes.map(
        async (cls) =>
          [cls, installed.has(cls) ? await passwordKeysOf(client, cls) : new Set<string>()] as const,
      ),
    ),
  );
  const holdsSecrets = new Set<string>();
  for (const d of desired) {
    for (const f of findLiteralSecrets(
      d.config,
      passwordKeys.get(d.connectorClass) ?? new Set(),
      d.location,
    )) {
      holdsSecrets.add(d.name);
      diagnostics.push({
        severity: "error",
        code: "literal-secret",
        message: `${d.name}: ${describeFinding(f)}`,
        location: f.location,
      });
    }
  }
  if (opts.validate !== false) {
    const toValidate = validationNeeded(plan, installed).filter((d) => !holdsSecrets.has(d.name));
    await mapLimit(toValidate, opts.concurrency ?? 4, async (d) => {
      diagnostics.push(...(await validateOnServer(client, d)));
    });
  }
  return { diagnostics, passwordKeys, workers };
}

/** The connectors whose configs a plan writes, with a plugin the workers have: what Connect validates. */
export function validationNeeded(plan: Plan, installed: ReadonlySet<string>): DesiredConnector[] {
  return plan.changes
    .filter(
      (c) =>
        (c.kind === "create" || c.kind === "update") && c.desired && installed.has(c.desired.connectorClass),
    )
    .map((c) => c.desired as DesiredConnector);
}

/** Connect's own verdict on a connector's config (validated, not written), as located findings. */
export async function validateOnServer(client: ConnectClient, d: DesiredConnector): Promise<Diagnostic[]> {
  const result = await client.validate(d.connectorClass, { ...d.config, name: d.name });
  if (result.error_count === 0) return [];
  // Connect answers `value: null` for a key its own validation left without a value.
  return result.configs.flatMap(({ value }) =>
    value
      ? value.errors.map((e) => diag(d, `config.${value.name}`, "connect-validation", `${value.name}: ${e}`))
      : [],
  );
}
