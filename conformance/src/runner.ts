import { copyFile, mkdir, open, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { inspectPlugin } from "@kiln/catalog";
import { ConnectClient } from "@kiln/connectors";
import { type ConnectorPlugin, KilnError } from "@kiln/schemas";
import semver from "semver";
import {
  type Cell,
  checkListedClasses,
  combine,
  declaredMissingFromScan,
  exampleProblems,
  judgeValidation,
  undeclaredListedClasses,
} from "./evaluate.js";
import { type BundledKafka, explainReason } from "./explain.js";
import { type Matrix, type MatrixRow, matrixErrors } from "./matrix.js";
import type { ConformanceRuntime, PluginPathRow, RunningWorker } from "./runtime.js";
import { type LoggedProblem, loggedProblems } from "./worker-log.js";

export interface ConformancePlugin {
  entry: ConnectorPlugin;
  /** The plugin directory exactly as kiln bakes it. */
  dir: string;
  /** What static inspection of the jars concluded about `plugin.discovery=service_load`. */
  staticServiceLoad?: boolean;
  /** Copies of Kafka jars static inspection found in the plugin: named when they explain a failure. */
  bundledKafka?: BundledKafka[];
}

export interface ConformanceOptions {
  plugins: ConformancePlugin[];
  kafkaVersions: string[];
  runtime: ConformanceRuntime;
  workDir: string;
  /**
   * Config overlays for entries whose external system the caller provides
   * (e.g. a PostgreSQL host for the Debezium source): their example must then
   * validate with no error at all.
   */
  systems?: Record<string, Record<string, string>>;
  /** Keep every worker's log (and the plugin-path tool's output) in this directory. */
  keepLogs?: string;
  onProgress?: (line: string) => void;
}

const fail = (...reasons: string[]): Cell => ({ status: "fail", reasons });

function rowsOf(rows: PluginPathRow[], pluginPath: string, name: string): PluginPathRow[] {
  const dir = join(pluginPath, name);
  return rows.filter((r) => r.location === dir || r.location.startsWith(`${dir}/`));
}

/** The end of a log file (the part that explains a failure), bounded so a runaway log cannot exhaust memory. */
async function readLog(path: string, max = 4 << 20): Promise<string> {
  const file = await open(path, "r").catch(() => undefined);
  if (!file) return "";
  try {
    const { size } = await file.stat();
    const length = Math.min(size, max);
    const buf = Buffer.alloc(length);
    await file.read(buf, 0, length, size - length);
    return buf.toString("utf8");
  } finally {
    await file.close();
  }
}

interface Evaluation {
  client: ConnectClient;
  worker: RunningWorker;
  kafka: string;
  /** What the plugin-path tool logged while scanning. */
  toolProblems: LoggedProblem[];
}

async function evaluate(
  ev: Evaluation,
  p: ConformancePlugin,
  rows: PluginPathRow[],
  systems: Record<string, Record<string, string>>,
): Promise<Cell> {
  const { entry } = p;
  const { client } = ev;
  const listed = await client.plugins({ all: true });
  const providers = new Set(
    rows.filter((r) => r.type === "configprovider" && r.loadable).map((r) => r.className),
  );
  const cells: Cell[] = [];
  const listedProblems = checkListedClasses(entry, listed, providers);
  const flagged = new Set(
    entry.classes.filter((c) => listedProblems.some((l) => l.includes(c.class))).map((c) => c.class),
  );
  const problems = [
    ...listedProblems,
    // What the REST listing missed because another plugin on the worker provides the same class.
    ...declaredMissingFromScan(
      { ...entry, classes: entry.classes.filter((c) => !flagged.has(c.class)) },
      rows,
    ),
    ...undeclaredListedClasses(entry, rows),
  ];
  cells.push(problems.length ? fail(...problems) : { status: "pass", reasons: [] });

  const serviceLoad = rows.length > 0 && rows.every((r) => r.hasManifest);
  if (p.staticServiceLoad !== undefined && p.staticServiceLoad !== serviceLoad) {
    cells.push(
      fail(
        `static inspection says service_load ${p.staticServiceLoad ? "works" : "does not work"}; Kafka's plugin-path tool says it ${serviceLoad ? "does" : "does not"}`,
      ),
    );
  }
  if (entry.example) {
    const system = systems[entry.name];
    const config = {
      ...entry.example.config,
      ...system,
      "connector.class": entry.example.class,
      name: `kiln-conformance-${entry.name}`,
    };
    try {
      const result = await client.validate(entry.example.class, config as Record<string, string>);
      const problems = exampleProblems(entry, result);
      cells.push(problems.length ? fail(...problems) : { status: "pass", reasons: [] });
      cells.push(judgeValidation(entry, result, system !== undefined));
    } catch (err) {
      const message = err instanceof KilnError ? err.userMessage : (err as Error).message;
      cells.push(fail(`validating the example config failed: ${message.replace(/^[\w.$]+Exception: /, "")}`));
    }
  }
  const cell = combine(...cells);
  if (cell.status !== "fail") return cell;
  // Connect's answers rarely say why: the worker's log does.
  const ctx = {
    problems: [...ev.toolProblems, ...loggedProblems(await readLog(ev.worker.logFile))],
    bundled: p.bundledKafka ?? [],
    workerSettings: ev.worker.settings,
    exampleConfig: (entry.example?.config ?? {}) as Record<string, string>,
    kafka: ev.kafka,
  };
  return { status: "fail", reasons: cell.reasons.map((r) => explainReason(r, ctx)) };
}

async function keep(dir: string, name: string, text: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), text);
}

async function keepFile(dir: string, name: string, from: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await copyFile(from, join(dir, name)).catch(() => {});
}

/** A `plugin.path` directory of links to the plugin directories, exactly as they were resolved. */
export async function pluginPathFor(
  workDir: string,
  label: string,
  plugins: ReadonlyArray<Pick<ConformancePlugin, "entry" | "dir">>,
): Promise<string> {
  const dir = join(workDir, `plugin-path-${label}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  // Links, not copies: the plugin directories stay exactly as resolved.
  for (const p of plugins) await symlink(p.dir, join(dir, p.entry.name), "dir");
  return dir;
}

/**
 * Runs every entry on every Kafka version it claims: one worker per version
 * shared by all entries (Connect isolates plugins by class loader). When that
 * worker cannot start, each entry gets a worker of its own, so one plugin that
 * breaks the scan fails only its own cell and the rest of the matrix completes.
 */
export async function runConformance(opts: ConformanceOptions): Promise<Matrix> {
  const log = opts.onProgress ?? (() => {});
  const systems = opts.systems ?? {};
  const cells = new Map<string, Record<string, Cell>>(opts.plugins.map((p) => [p.entry.name, {}]));
  const serviceLoad = new Map<string, boolean>();
  const kafkaVersions = [...opts.kafkaVersions].sort(semver.compare);

  for (const kafka of kafkaVersions) {
    const claiming = opts.plugins.filter((p) => semver.satisfies(kafka, p.entry.kafka));
    if (claiming.length === 0) continue;
    try {
      log(`kafka ${kafka}: preparing (jars, broker)`);
      await opts.runtime.prepare(kafka);
    } catch (err) {
      const reason = `Kafka ${kafka} could not be prepared: ${(err as Error).message.split("\n")[0]}`;
      log(`kafka ${kafka}: ${reason}`);
      for (const p of claiming) (cells.get(p.entry.name) as Record<string, Cell>)[kafka] = fail(reason);
      continue;
    }
    const pluginPath = await pluginPathFor(opts.workDir, kafka, claiming);
    log(`kafka ${kafka}: scanning ${claiming.length} plugins`);
    const listing = await opts.runtime.listPluginPath(kafka, pluginPath).catch((err: Error) => {
      log(`kafka ${kafka}: connect-plugin-path failed: ${err.message}`);
      return { rows: [] as PluginPathRow[], output: err.message };
    });
    if (opts.keepLogs) await keep(opts.keepLogs, `kafka-${kafka}-connect-plugin-path.txt`, listing.output);
    const { rows } = listing;
    const toolProblems = loggedProblems(listing.output);
    for (const p of claiming) {
      const own = rowsOf(rows, pluginPath, p.entry.name);
      if (own.length > 0)
        serviceLoad.set(
          p.entry.name,
          own.every((r) => r.hasManifest),
        );
    }

    /** Evaluates `plugins` on one running worker, then stops it (keeping its log when asked). */
    const evaluateOn = async (worker: RunningWorker, label: string, plugins: ConformancePlugin[]) => {
      const client = new ConnectClient({ urls: [worker.url], retry: { deadlineMs: 60_000 } });
      try {
        for (const p of plugins) {
          const cell = await evaluate(
            { client, worker, kafka, toolProblems },
            p,
            rowsOf(rows, pluginPath, p.entry.name),
            systems,
          );
          (cells.get(p.entry.name) as Record<string, Cell>)[kafka] = cell;
          log(`kafka ${kafka}: ${p.entry.name}: ${cell.status}`);
        }
      } finally {
        await client.close();
        await worker.stop();
        if (opts.keepLogs) await keepFile(opts.keepLogs, `kafka-${kafka}-${label}.log`, worker.logFile);
      }
    };

    let shared: RunningWorker | undefined;
    try {
      log(`kafka ${kafka}: starting a Connect worker`);
      shared = await opts.runtime.startWorker(kafka, pluginPath);
    } catch (err) {
      log(
        `kafka ${kafka}: the shared worker did not start (${(err as Error).message.split("\n")[0]}); isolating each plugin`,
      );
    }
    if (shared) {
      await evaluateOn(shared, "worker", claiming);
      continue;
    }
    for (const p of claiming) {
      const alone = await pluginPathFor(opts.workDir, `${kafka}-${p.entry.name}`, [p]);
      let worker: RunningWorker | undefined;
      try {
        worker = await opts.runtime.startWorker(kafka, alone);
      } catch (err) {
        const detail = (err as Error).message.split("\n").slice(0, 3).join(" ");
        (cells.get(p.entry.name) as Record<string, Cell>)[kafka] = fail(
          `a Connect worker with only this plugin does not start: ${detail}`,
        );
        log(`kafka ${kafka}: ${p.entry.name}: fail (worker does not start)`);
        continue;
      }
      await evaluateOn(worker, `worker-${p.entry.name}`, [p]);
    }
  }

  const rows: MatrixRow[] = opts.plugins
    .map((p) => ({
      entry: p.entry.name,
      version: p.entry.version,
      kafka: p.entry.kafka,
      cells: cells.get(p.entry.name) ?? {},
      serviceLoad: serviceLoad.get(p.entry.name),
    }))
    .sort((a, b) => a.entry.localeCompare(b.entry));
  const errors = opts.plugins.flatMap((p) =>
    matrixErrors(p.entry, cells.get(p.entry.name) ?? {}, kafkaVersions).map((message) => ({
      entry: p.entry.name,
      message,
    })),
  );
  return { kafkaVersions, rows, errors: errors.sort((a, b) => a.entry.localeCompare(b.entry)) };
}

/** A plugin directory ready for conformance: its entry and what static inspection of its jars found. */
export async function conformancePlugin(
  entry: ConnectorPlugin,
  dir: string,
  files?: ReadonlyArray<{ path: string; sha256: string }>,
): Promise<ConformancePlugin> {
  const report = await inspectPlugin(entry, dir, files ? { files } : {});
  return { entry, dir, staticServiceLoad: report.serviceLoad, bundledKafka: report.bundledKafka };
}
