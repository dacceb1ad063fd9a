import { basename, relative, resolve } from "node:path";
import { EXIT_OK, UsageError } from "../exit.js";
import { planScaffold, writeScaffold } from "../init/scaffold.js";
import { type CommandIO, writeLine } from "../io.js";

interface Options {
  starter?: boolean;
  force?: boolean;
  package?: string;
  json?: boolean;
}

/** Characters a package spec may use: it lands inside a quoted workflow expression. */
const PACKAGE_SPEC = /^[A-Za-z0-9@/._:~+#=%?&-]+$/;

/** `kiln init [dir]`: scaffolds a platform repository (see src/init/). */
export async function run(io: CommandIO, dir: string | undefined, opts: Options): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  if (opts.package !== undefined) {
    if (!PACKAGE_SPEC.test(opts.package))
      throw new UsageError(
        `--package ${JSON.stringify(opts.package)}: a tarball URL or path, or a package name, without spaces, quotes, $ or braces`,
      );
    if (/^kiln(@|$)/.test(opts.package))
      throw new UsageError(
        `--package ${opts.package}: "kiln" on the public npm registry is another project; name your own copy (a tarball URL or path, or a name in your registry)`,
      );
  }
  const target = resolve(cwd, dir ?? ".");
  const files = await planScaffold({
    starter: opts.starter ?? false,
    project: basename(target),
    ...(opts.package ? { packageSpec: opts.package } : {}),
  });
  const result = await writeScaffold(target, files, { force: opts.force ?? false });
  const shown = relative(cwd, target) || ".";
  if (opts.json) {
    writeLine(io.stdout, JSON.stringify({ dir: target, ...result }, null, 2));
    return EXIT_OK;
  }
  for (const f of result.written) writeLine(io.stdout, `wrote  ${f}`);
  for (const f of result.merged) writeLine(io.stdout, `merged ${f} (added missing lines)`);
  for (const f of result.kept) writeLine(io.stdout, `kept   ${f} (exists)`);
  writeLine(io.stdout);
  writeLine(
    io.stdout,
    `${shown}: a kiln platform repository. Next: set the repository variable KILN_PACKAGE (README.md, "CI"),${opts.starter ? "" : " add catalog entries under catalog/connectors/, run kiln lock,"} add Cluster files under clusters/, and commit.`,
  );
  return EXIT_OK;
}
