import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { readSourceFile, resolvePlugins } from "@kiln/catalog";
import {
  type ConformancePlugin,
  conformancePlugin,
  localRuntime,
  type Matrix,
  matrixMarkdown,
  runConformance,
} from "@kiln/connectors";
import { abortedError, KilnError, parseSourceDocument } from "@kiln/schemas";
import { requireCatalog } from "../catalog-source.js";
import { EXIT_FAILURE, EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { requireLockfile } from "../lockfile.js";
import { progressReporter } from "../progress.js";

/** Kafka versions conformance tests by default: one release of each line kiln supports (Strimzi 1.2: 4.2, 4.3). 4.2.0, not 4.2.1: Maven Central as reached here lacks some 4.2.1 modules. */
export const DEFAULT_CONFORMANCE_KAFKA = ["4.2.0", "4.3.1"];

interface Options {
  kafka?: string;
  catalog: string;
  lockfile?: string;
  out: string;
  systems?: string;
  keepLogs?: boolean;
  json?: boolean;
}

/** `--systems` file (YAML or JSON): per entry, config overlaid on its example when its external system is available. */
async function readSystems(
  file: string | undefined,
  cwd: string,
): Promise<Record<string, Record<string, string>>> {
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
  return value as Record<string, Record<string, string>>;
}

/**
 * Proves catalog entries on real Kafka Connect: for each Kafka version they
 * claim, one worker with the plugin directories exactly as kiln bakes them;
 * writes the compatibility matrix as JSON and markdown.
 */
export async function run(io: CommandIO, names: string[], opts: Options): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const kafkaVersions = opts.kafka ? opts.kafka.split(",").map((v) => v.trim()) : DEFAULT_CONFORMANCE_KAFKA;
  const catalog = await requireCatalog(opts.catalog, cwd);
  const lock = await requireLockfile(opts.lockfile, cwd);
  const resolved = await resolvePlugins(catalog, lock, names.length > 0 ? names : undefined, {
    env: io.env,
    onProgress: progressReporter(io),
    ...(io.signal ? { signal: io.signal } : {}),
  });
  const plugins: ConformancePlugin[] = [];
  for (const r of resolved) {
    const entry = catalog.get(r.name);
    if (entry) plugins.push(await conformancePlugin(entry, r.dir, r.files));
  }
  const out = resolve(cwd, opts.out);
  const logs = join(out, "logs");
  if (opts.keepLogs) await rm(logs, { recursive: true, force: true });
  const workDir = await mkdtemp(join(tmpdir(), "kiln-conformance-"));
  const runtime = localRuntime(workDir);
  let matrix: Matrix;
  // At the deadline the brokers stop, so the workers' calls fail and the run ends.
  const stop = () => void runtime.close();
  io.signal?.addEventListener("abort", stop, { once: true });
  try {
    matrix = await runConformance({
      plugins,
      kafkaVersions,
      runtime,
      workDir,
      systems: await readSystems(opts.systems, cwd),
      ...(opts.keepLogs ? { keepLogs: logs } : {}),
      onProgress: (line) => writeLine(io.stderr, line),
    });
    const timedOut = abortedError(io.signal, "proving the entries on real Connect workers");
    if (timedOut) throw timedOut;
  } finally {
    io.signal?.removeEventListener("abort", stop);
    await runtime.close();
    await rm(workDir, { recursive: true, force: true });
  }
  await mkdir(out, { recursive: true });
  await writeFile(join(out, "matrix.json"), `${JSON.stringify(matrix, null, 2)}\n`);
  const md = matrixMarkdown(matrix);
  await writeFile(join(out, "matrix.md"), md);
  if (opts.json) writeLine(io.stdout, JSON.stringify(matrix, null, 2));
  else io.stdout.write(md);
  if (matrix.errors.length > 0)
    writeLine(
      io.stderr,
      opts.keepLogs
        ? `kiln: the workers' logs are in ${relative(cwd, logs) || logs}`
        : "kiln: rerun with --keep-logs to keep the Connect workers' logs (they explain most failures)",
    );
  return matrix.errors.length === 0 ? EXIT_OK : EXIT_FAILURE;
}
