import { existsSync } from "node:fs";
import { resolve } from "node:path";
import {
  type ApplyEvent,
  ConnectClient,
  clientOptionsFor,
  type DeploymentFiles,
  type DeploymentPlan,
  declaredEnvironments,
  loadDeploymentFiles,
  planDeployment,
} from "@kiln/connectors";
import { formatDiagnostic, KilnError } from "@kiln/schemas";
import { UsageError } from "../exit.js";
import { type CommandIO, interactive } from "../io.js";

export interface ConnectorsOptions {
  /** Files or directories holding Connector and ConnectTarget files. */
  dir: string[];
  cluster?: string[];
  env?: string;
  catalog: string;
  json?: boolean;
}

export function cwdOf(io: CommandIO): string {
  return io.cwd ?? process.cwd();
}

export async function loadFiles(io: CommandIO, opts: ConnectorsOptions): Promise<DeploymentFiles> {
  const files = await loadDeploymentFiles(opts.dir.map((d) => resolve(cwdOf(io), d)));
  if (files.targets.length === 0) {
    throw new KilnError(
      `no ConnectTarget file under ${opts.dir.join(", ")}: declare where the Connect clusters are`,
    );
  }
  const targets = files.targets.map((t) => t.target.name);
  for (const c of opts.cluster ?? [])
    if (!targets.includes(c))
      throw new UsageError(`--cluster ${c}: no ConnectTarget has this name (known: ${targets.join(", ")})`);
  if (opts.env) {
    // An environment no file declares would quietly apply the base definitions.
    const known = declaredEnvironments(files);
    if (!known.has(opts.env))
      throw new UsageError(
        `--env ${opts.env}: no ConnectTarget or Connector declares this environment (declared: ${[...known].sort().join(", ") || "none"})`,
      );
  }
  return files;
}

export async function planFor(
  io: CommandIO,
  opts: ConnectorsOptions,
  extra: { validate?: boolean } = {},
): Promise<DeploymentPlan> {
  const files = await loadFiles(io, opts);
  const catalogDir = resolve(cwdOf(io), opts.catalog);
  // Loaded only when there is a catalog to read: the catalog's modules cost a command that has
  // none (a repository of connector files alone) about 0.03 s, its collator most of it.
  const catalog = existsSync(catalogDir)
    ? await (await import("@kiln/pipeline/catalog")).requireCatalog(opts.catalog, cwdOf(io))
    : undefined;
  return planDeployment({
    files,
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.cluster ? { clusters: opts.cluster } : {}),
    ...(catalog ? { catalog } : {}),
    processEnv: io.env,
    baseDir: cwdOf(io),
    ...(io.signal ? { client: { signal: io.signal } } : {}),
    ...extra,
  });
}

/** Diagnostics block a plan: printed one per line, exit 1. */
export function reportDiagnostics(io: CommandIO, plan: DeploymentPlan): boolean {
  const errors = plan.diagnostics.filter((d) => d.severity === "error");
  for (const d of plan.diagnostics) io.stderr.write(`kiln: ${formatDiagnostic(d)}\n`);
  return errors.length > 0;
}

/** A client for the one cluster a command acts on (`--cluster` picks it when there are several). */
export async function clientFor(
  io: CommandIO,
  opts: ConnectorsOptions,
): Promise<{ client: ConnectClient; name: string }> {
  const files = await loadFiles(io, opts);
  const wanted = opts.cluster?.[0];
  const targets = wanted ? files.targets.filter((t) => t.target.name === wanted) : files.targets;
  if (targets.length === 0) throw new UsageError(`no ConnectTarget named ${wanted}`);
  if (targets.length > 1) {
    throw new UsageError(
      `several Connect clusters (${targets.map((t) => t.target.name).join(", ")}): pick one with --cluster`,
    );
  }
  const target = (targets[0] as DeploymentFiles["targets"][number]).target;
  const options = await clientOptionsFor(target, {
    ...(opts.env ? { env: opts.env } : {}),
    processEnv: io.env,
    baseDir: cwdOf(io),
  });
  return {
    client: new ConnectClient({ ...options, ...(io.signal ? { signal: io.signal } : {}) }),
    name: target.name,
  };
}

/** Progress: a bar on a TTY, one plain line per event otherwise (CI). Always on stderr. */
export function progress(io: CommandIO, total: number): { event(e: ApplyEvent): void; done(): void } {
  const tty = interactive(io);
  let finished = 0;
  return {
    event(e) {
      if (
        e.action === "create" ||
        e.action === "update" ||
        e.action === "delete" ||
        e.action === "pause" ||
        e.action === "resume" ||
        e.action === "stop"
      )
        finished++;
      if (tty) {
        const width = 30;
        const filled = total === 0 ? width : Math.round((Math.min(finished, total) / total) * width);
        io.stderr.write(
          `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${Math.min(finished, total)}/${total} ${e.action} ${e.name}`.padEnd(
            100,
          ),
        );
      } else {
        io.stderr.write(`${e.action} ${e.name}${e.detail ? ` (${e.detail})` : ""}\n`);
      }
    },
    done() {
      if (tty) io.stderr.write("\n");
    },
  };
}
