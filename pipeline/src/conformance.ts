import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  type Catalog,
  type ProgressEvent,
  type ResolvedPlugin,
  readSourceFile,
  resolvePlugins,
} from "@kiln/catalog";
import {
  type ConformancePlugin,
  conformancePlugin,
  localRuntime,
  type Matrix,
  matrixMarkdown,
  runConformance,
} from "@kiln/conformance";
import { abortedError, CONFORMANCE_KAFKA_VERSIONS, KilnError, parseSourceDocument } from "@kiln/schemas";
import { requireCatalog } from "./catalog.js";
import type { RunContext } from "./context.js";
import { requireLockfile } from "./lockfile.js";

/** Per entry, config overlaid on its example when its external system is available. */
export type Systems = Record<string, Record<string, string>>;

/** A `--systems` file (YAML or JSON), read as untrusted input. */
export async function readSystems(file: string | undefined, cwd: string): Promise<Systems> {
  if (!file) return {};
  const source = await readSourceFile(resolve(cwd, file), cwd);
  const value = parseSourceDocument(source.text, source.file).value;
  const ok =
    typeof value === "object" &&
    value !== null &&
    Object.values(value).every(
      (v) => typeof v === "object" && v !== null && Object.values(v).every((x) => typeof x === "string"),
    );
  if (!ok)
    throw new KilnError("--systems must map entry names to config maps of strings", {
      location: { file: source.file },
    });
  return value as Systems;
}

/**
 * Proves resolved entries on real Kafka Connect: for each Kafka version, workers with the plugin
 * directories exactly as kiln bakes them. At the deadline the brokers stop, so the workers' calls
 * fail, the run ends and says it gave up.
 */
export async function proveEntries(
  catalog: Catalog,
  resolved: ResolvedPlugin[],
  opts: {
    kafkaVersions: string[];
    systems?: Systems;
    /** Where the workers' logs are kept (default: removed with the run). */
    keepLogs?: string;
    signal?: AbortSignal;
    onProgress: (line: string) => void;
  },
): Promise<Matrix> {
  const plugins: ConformancePlugin[] = [];
  for (const r of resolved) {
    const entry = catalog.get(r.name);
    if (entry) plugins.push(await conformancePlugin(entry, r.dir, r.files));
  }
  const workDir = await mkdtemp(join(tmpdir(), "kiln-conformance-"));
  const runtime = localRuntime(workDir);
  const stop = () => void runtime.close();
  opts.signal?.addEventListener("abort", stop, { once: true });
  try {
    const matrix = await runConformance({
      plugins,
      kafkaVersions: opts.kafkaVersions,
      runtime,
      workDir,
      ...(opts.systems ? { systems: opts.systems } : {}),
      ...(opts.keepLogs ? { keepLogs: opts.keepLogs } : {}),
      onProgress: opts.onProgress,
    });
    const timedOut = abortedError(opts.signal, "proving the entries on real Connect workers");
    if (timedOut) throw timedOut;
    return matrix;
  } finally {
    opts.signal?.removeEventListener("abort", stop);
    await runtime.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

export interface ConformanceRequest {
  /** Catalog entries (default: all). */
  names?: string[];
  catalog: string;
  lockfile?: string;
  kafka?: string[];
  /** The `--systems` file. */
  systems?: string;
  /** Where matrix.json and matrix.md go. */
  out: string;
  /** Keep the Connect workers' logs in `<out>/logs` (replacing the last run's). */
  keepLogs?: boolean;
}

/** `kiln conformance`: resolve the entries from the lock, prove them, write the compatibility matrix. */
export async function conformance(
  req: ConformanceRequest,
  ctx: RunContext,
  hooks: { onProgress?: (e: ProgressEvent) => void; onLine: (line: string) => void },
): Promise<{ matrix: Matrix; markdown: string; logs?: string }> {
  const catalog = await requireCatalog(req.catalog, ctx.cwd);
  const lock = await requireLockfile(req.lockfile, ctx.cwd);
  const systems = await readSystems(req.systems, ctx.cwd);
  const resolved = await resolvePlugins(catalog, lock, req.names?.length ? req.names : undefined, {
    env: ctx.env,
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  const out = resolve(ctx.cwd, req.out);
  const logs = req.keepLogs ? join(out, "logs") : undefined;
  if (logs) await rm(logs, { recursive: true, force: true });
  const matrix = await proveEntries(catalog, resolved, {
    kafkaVersions: req.kafka ?? [...CONFORMANCE_KAFKA_VERSIONS],
    systems,
    ...(logs ? { keepLogs: logs } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    onProgress: hooks.onLine,
  });
  await mkdir(out, { recursive: true });
  await writeFile(join(out, "matrix.json"), `${JSON.stringify(matrix, null, 2)}\n`);
  const markdown = matrixMarkdown(matrix);
  await writeFile(join(out, "matrix.md"), markdown);
  return { matrix, markdown, ...(logs ? { logs } : {}) };
}
