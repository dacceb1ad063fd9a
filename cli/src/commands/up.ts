import { resolve } from "node:path";
import { type LocalEnvironment, type Scale, up } from "@kiln/local";
import { loadClusterFile } from "@kiln/pipeline/cluster-files";
import type { Cluster } from "@kiln/schemas";
import { formatDiagnostic } from "@kiln/schemas";
import { EXIT_FAILURE, EXIT_OK, UsageError } from "../exit.js";
import { parseImages } from "../images.js";
import { type CommandIO, writeLine } from "../io.js";

interface Options {
  state: string;
  image?: string[];
  insecureRegistry?: string[];
  addHost?: string[];
  scale?: string[];
  secrets?: string;
  classpath?: string[];
  /** Milliseconds. */
  timeout?: number;
  auditLog?: boolean;
  log?: string[];
  json?: boolean;
}

/** `name=ip` pairs for services outside the clusters, each ip on loopback. */
function hosts(values: string[] = []): { name: string; ip: string }[] {
  return values.map((v) => {
    const m = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)=(127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(v);
    if (!m || m[3]?.split(".").some((o) => Number(o) > 255))
      throw new UsageError(
        `--add-host takes <dns-name>=<loopback address>, e.g. sso.example.com=127.0.0.5, not ${v}`,
      );
    return { name: m[1] as string, ip: m[3] as string };
  });
}

/** `--scale n` for every node pool and Connect cluster, `--scale <name>=n` for one. */
function scale(values: string[] = []): Scale | undefined {
  if (values.length === 0) return undefined;
  const out: Scale = {};
  const byName: Record<string, number> = {};
  for (const v of values) {
    const m = /^(?:([a-z0-9]([-a-z0-9]*[a-z0-9])?)=)?([1-9])$/.exec(v);
    if (!m)
      throw new UsageError(
        `--scale takes a replica count from 1 to 9 or <pool or Connect cluster>=<count>, not ${v}`,
      );
    if (m[1]) byName[m[1]] = Number(m[3]);
    else out.all = Number(m[3]);
  }
  return Object.keys(byName).length > 0 ? { ...out, byName } : out;
}

/** `--log <logger>=<LEVEL>` values for every node's and worker's log4j2 configuration. */
function loggers(values: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const m = /^([A-Za-z0-9_.$-]+)=(TRACE|DEBUG|INFO|WARN|ERROR|OFF)$/.exec(v);
    if (!m)
      throw new UsageError(
        `--log takes <logger>=<TRACE|DEBUG|INFO|WARN|ERROR|OFF>, e.g. kafka.authorizer.logger=DEBUG, not ${v}`,
      );
    out[m[1] as string] = m[2] as string;
  }
  return out;
}

/** Starts the clusters of Cluster files on loopback, secured as rendered; prints how to reach them. */
export async function run(io: CommandIO, files: string[], opts: Options): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  // Flags first: a bad value is a usage error before any file is read or process started.
  const flags = {
    scale: scale(opts.scale),
    hosts: hosts(opts.addHost),
    images: parseImages(opts.image),
    loggers: loggers(opts.log),
  };
  const clusters: { cluster: Cluster; file: string }[] = [];
  let failed = false;
  for (const f of files) {
    const loaded = await loadClusterFile(f, cwd);
    // stderr: with --json, stdout carries only the environment.
    for (const d of loaded.diagnostics) writeLine(io.stderr, formatDiagnostic(d));
    if (loaded.cluster) clusters.push({ cluster: loaded.cluster, file: loaded.file });
    else failed = true;
  }
  if (failed) return EXIT_FAILURE;
  const env = await up({
    stateDir: resolve(cwd, opts.state),
    clusters,
    ...(flags.scale ? { scale: flags.scale } : {}),
    ...(opts.secrets ? { secretsDir: resolve(cwd, opts.secrets) } : {}),
    hosts: flags.hosts,
    images: flags.images,
    registry: { insecure: opts.insecureRegistry ?? [] },
    classpath: (opts.classpath ?? []).map((p) => resolve(cwd, p)),
    ...(opts.timeout ? { timeoutMs: opts.timeout } : {}),
    auditLog: opts.auditLog ?? false,
    loggers: flags.loggers,
    progress: (line) => writeLine(io.stderr, line),
  });
  if (opts.json) writeLine(io.stdout, JSON.stringify(env, null, 2));
  else summary(io, env);
  return EXIT_OK;
}

function summary(io: CommandIO, env: LocalEnvironment) {
  for (const c of env.clusters) {
    writeLine(io.stdout, `cluster ${c.name} (${c.file}): ${c.nodes.length} nodes`);
    for (const n of c.nodes)
      writeLine(io.stdout, `  ${n.podName}  ${n.ip}  ${n.roles.join(",")}${n.zone ? `  ${n.zone}` : ""}`);
    for (const l of c.listeners)
      writeLine(
        io.stdout,
        `  listener ${l.name}: ${l.bootstrap} (${l.securityProtocol}, ${l.authentication})`,
      );
    for (const u of c.users)
      for (const [listener, file] of Object.entries(u.configs))
        writeLine(io.stdout, `  user ${u.name} on ${listener}: ${file}`);
    for (const k of c.connect) writeLine(io.stdout, `  ${k.kind} ${k.name}: ${k.urls.join(", ")}`);
    for (const s of c.skipped) writeLine(io.stdout, `  not started: ${s}`);
    writeLine(io.stdout, `  topic operator (creates topics): ${c.topicOperatorConfig}`);
  }
  writeLine(io.stdout, `JVM clients resolve cluster names with -Djdk.net.hosts.file=${env.hostsFile}`);
  writeLine(io.stdout, `stop with: kiln down --state ${env.stateDir}`);
}
