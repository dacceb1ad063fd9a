import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  type ClusterConnection,
  type KafkaMirrorMaker2,
  mirrorConnectorDocuments,
  renderCluster,
  type TranslateOptions,
  toYaml,
} from "@kiln/clusters";
import { findUrlCredentials, isPlaceholderOnly, KilnError, looksLikeSecretKey } from "@kiln/schemas";
import { requireCluster } from "../cluster-source.js";
import { EXIT_FAILURE, EXIT_OK, UsageError } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { bootstrapServers } from "../options.js";

interface Options {
  connectCluster: string;
  out: string;
  connection?: string[];
  client?: string[];
  override?: string[];
  heartbeats?: boolean;
  state?: string;
  secretsNamespace?: string;
  json?: boolean;
}

/** `--connection <alias>=<host:port,…>` and `--client <alias>:<key>=<value>` into connections by alias. */
function parseConnections(
  connection: string[] = [],
  client: string[] = [],
): Record<string, ClusterConnection> {
  const out: Record<string, ClusterConnection> = {};
  for (const c of connection) {
    const eq = c.indexOf("=");
    if (eq <= 0) throw new UsageError(`--connection takes <alias>=<bootstrap servers>, not ${c}`);
    let servers: string;
    try {
      servers = bootstrapServers(c.slice(eq + 1));
    } catch (err) {
      throw new UsageError(`--connection ${c.slice(0, eq)}: the bootstrap servers ${(err as Error).message}`);
    }
    out[c.slice(0, eq)] = { bootstrapServers: servers };
  }
  for (const c of client) {
    const m = /^([^:=]+):([^=]+)=(.*)$/.exec(c);
    if (!m) throw new UsageError(`--client takes <alias>:<client setting>=<value>, not ${c}`);
    const [, alias, key, value] = m as unknown as [string, string, string, string];
    refuseLiteralSecret("--client", key, value);
    const conn = out[alias];
    if (!conn)
      throw new UsageError(`--client ${alias}:…: give --connection ${alias}=<bootstrap servers> first`);
    conn.client = { ...conn.client, [key]: value };
  }
  return out;
}

/** The files this command writes are committed: a secret goes in as a placeholder, never a value. */
function refuseLiteralSecret(flag: string, key: string, value: string): void {
  if (findUrlCredentials(value).length > 0 || (looksLikeSecretKey(key) && !isPlaceholderOnly(value)))
    throw new UsageError(
      `${flag} ${key}: the value is a literal secret; pass a config-provider placeholder such as \${secrets:<namespace>/<secret>:<key>}`,
    );
}

type Overrides = NonNullable<TranslateOptions["overrides"]>;

/** `--override <source|checkpoint|heartbeat>:<key>=<value>` into per-kind connector settings. */
function parseOverrides(values: string[] = []): Overrides {
  const out: Overrides = {};
  for (const v of values) {
    const m = /^(source|checkpoint|heartbeat):([^=]+)=(.*)$/.exec(v);
    if (!m) throw new UsageError(`--override takes <source|checkpoint|heartbeat>:<key>=<value>, not ${v}`);
    const [, kind, key, value] = m as unknown as [string, keyof Overrides, string, string];
    refuseLiteralSecret("--override", key, value);
    out[kind] = { ...out[kind], [key]: value };
  }
  return out;
}

/**
 * Writes the MirrorMaker 2 connectors of a replication-target Cluster file as kiln Connector
 * files for a plain Connect cluster (`kiln connectors apply`): the same settings as the
 * KafkaMirrorMaker2 kiln renders for Strimzi.
 */
export async function run(io: CommandIO, file: string, opts: Options): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const connections = parseConnections(opts.connection, opts.client);
  const state = opts.state;
  if (state !== undefined && state !== "running" && state !== "paused" && state !== "stopped")
    throw new UsageError(`--state takes running, paused or stopped, not ${state}`);
  const overrides = parseOverrides(opts.override);
  const cluster = await requireCluster(io, file);
  if (!cluster) return EXIT_FAILURE;
  const mm2 = renderCluster(cluster, { file }).items.find((i) => i.object.kind === "KafkaMirrorMaker2")
    ?.object as KafkaMirrorMaker2 | undefined;
  if (!mm2) {
    throw new KilnError(
      `${cluster.name} runs no MirrorMaker 2: only a disasterRecovery backup (or an active-active side) is a replication target`,
      { location: { file, path: "disasterRecovery" } },
    );
  }
  const aliases = [mm2.spec.target.alias, ...mm2.spec.mirrors.map((m) => m.source.alias)];
  for (const alias of Object.keys(connections))
    if (!aliases.includes(alias))
      throw new UsageError(`--connection ${alias}: not a cluster of this flow (${aliases.join(", ")})`);
  const docs = mirrorConnectorDocuments(mm2, {
    secretsNamespace: opts.secretsNamespace ?? cluster.namespace,
    connectCluster: opts.connectCluster,
    connections,
    overrides,
    heartbeats: opts.heartbeats ?? false,
    ...(state ? { state } : {}),
  });
  const out = resolve(cwd, opts.out);
  await mkdir(out, { recursive: true });
  const files: string[] = [];
  for (const d of docs) {
    const name = `${d.name}.yaml`;
    await writeFile(join(out, name), toYaml(d));
    files.push(join(opts.out, name));
  }
  if (opts.json)
    writeLine(io.stdout, JSON.stringify({ connectors: docs.map((d) => d.name), files }, null, 2));
  else {
    for (const f of files) writeLine(io.stdout, `wrote ${f}`);
    writeLine(
      io.stdout,
      `deploy with: kiln connectors apply --dir ${opts.out} (next to a ConnectTarget named ${opts.connectCluster})`,
    );
  }
  return EXIT_OK;
}
