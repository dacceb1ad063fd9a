import { join, relative, resolve } from "node:path";
import { BuildStopped, type BuildSummary, build, PATH_NAMES } from "@kiln/pipeline/build";
import { formatDiagnostic } from "@kiln/schemas";
import { EXIT_FAILURE, EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { progressReporter } from "../progress.js";
import { pushReporter } from "../push-progress.js";
import { formatTable } from "../table.js";

interface Options {
  catalog: string;
  lockfile?: string;
  out: string;
  push?: string;
  insecureRegistry?: string[];
  registryCa?: string;
  json?: boolean;
}

/** `kiln build`: the main job (validate → lock check → resolve → bake → render), then its summary. */
export async function run(io: CommandIO, paths: string[], opts: Options): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  try {
    const summary = await build(
      {
        paths: paths.length > 0 ? paths : ["examples"],
        catalog: opts.catalog,
        out: opts.out,
        ...(opts.lockfile ? { lockfile: opts.lockfile } : {}),
        ...(opts.push ? { push: opts.push } : {}),
        ...(opts.insecureRegistry ? { insecureRegistry: opts.insecureRegistry } : {}),
        ...(opts.registryCa ? { registryCa: opts.registryCa } : {}),
      },
      { cwd, env: io.env, ...(io.signal ? { signal: io.signal } : {}) },
      {
        onStep: (what) => writeLine(io.stderr, `==> ${what}`),
        onFinding: (f) => writeLine(io.stderr, typeof f === "string" ? `  ${f}` : formatDiagnostic(f)),
        onProgress: progressReporter(io),
        onPush: pushReporter(io),
      },
    );
    if (opts.json) writeLine(io.stdout, JSON.stringify(summary, null, 2));
    else printSummary(io, summary, resolve(cwd, opts.out), cwd);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof BuildStopped) {
      writeLine(io.stderr, `kiln: build stopped: ${err.userMessage}`);
      return EXIT_FAILURE;
    }
    throw err;
  }
}

function printSummary(io: CommandIO, s: BuildSummary, out: string, cwd: string) {
  writeLine(io.stdout, `catalog: ${s.catalog.entries} entries valid; lock matches`);
  writeLine(io.stdout, "");
  writeLine(
    io.stdout,
    formatTable(
      ["kind", "name", "reference"],
      s.images.map((i) => [i.kind, i.plugin ?? `${i.cluster}/${i.connect}`, i.reference]),
    ),
  );
  if (s.connects.length > 0) {
    writeLine(io.stdout, "");
    writeLine(
      io.stdout,
      formatTable(
        ["connect", "plugins", "image"],
        s.connects.map((c) => [`${c.cluster}/${c.connect}`, PATH_NAMES[c.path], c.image]),
      ),
    );
  }
  for (const x of s.skipped) writeLine(io.stdout, `note: ${x}`);
  writeLine(io.stdout, "");
  writeLine(io.stdout, `OCI layout: ${relative(cwd, join(out, "oci"))}`);
  if (s.sboms.length > 0) writeLine(io.stdout, `SBOMs:      ${s.sboms.join(", ")}`);
  for (const m of s.manifests)
    writeLine(io.stdout, `manifests:  ${m.dir} (${m.files} files, cluster ${m.cluster})`);
}
