import { bump } from "@kiln/pipeline/catalog-updates";
import { EXIT_FAILURE, EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { progressReporter } from "../progress.js";

interface Options {
  catalog: string;
  lockfile?: string;
  classes?: boolean;
  pre?: boolean;
  json?: boolean;
}

/**
 * `kiln catalog bump <name> [version]`: moves an entry to a release (default: the newest
 * `outdated` finds), downloads its artifacts (sha512 recomputed), re-inspects it (classes that
 * vanished or appeared stop it, listed, unless --classes), rewrites the entry in place
 * (comments kept) and updates the lock. `kiln pr` then runs conformance as for any change.
 */
export async function run(
  io: CommandIO,
  name: string,
  version: string | undefined,
  opts: Options,
): Promise<number> {
  const outcome = await bump(
    {
      catalog: opts.catalog,
      ...(opts.lockfile ? { lockfile: opts.lockfile } : {}),
      name,
      ...(version ? { to: version } : {}),
      ...(opts.classes ? { acceptClasses: true } : {}),
      ...(opts.pre ? { pre: true } : {}),
    },
    { cwd: io.cwd ?? process.cwd(), env: io.env, ...(io.signal ? { signal: io.signal } : {}) },
    progressReporter(io),
  );
  if (!outcome.bumped) {
    writeLine(
      io.stdout,
      outcome.reason
        ? `${name}: cannot tell the newest release (${outcome.reason}); name a version`
        : `${name} ${outcome.current} is the newest release`,
    );
    return outcome.reason ? EXIT_FAILURE : EXIT_OK;
  }
  const { bump: b, file, to } = outcome;
  if (opts.json)
    writeLine(
      io.stdout,
      JSON.stringify({ name, from: b.before.version, to, file, changes: b.changes }, null, 2),
    );
  else {
    writeLine(
      io.stdout,
      `${name}: ${b.before.version} → ${to} (${file}, ${opts.lockfile ?? "kiln.lock.json"})`,
    );
    for (const c of b.changes) writeLine(io.stdout, `  ${c}`);
    for (const e of b.report.errors) writeLine(io.stdout, `error: ${e}`);
    writeLine(io.stdout, "next: kiln pr --conformance (or open the PR: its checks run conformance)");
  }
  return b.report.errors.length > 0 ? EXIT_FAILURE : EXIT_OK;
}
