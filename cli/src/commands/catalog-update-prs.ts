import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { type Bump, findUpdates, LOCKFILE_NAME, resolvePlugins, type Update } from "@kiln/catalog";
import { matrixMarkdown } from "@kiln/connectors";
import { KilnError } from "@kiln/schemas";
import { requireCatalog } from "../catalog-source.js";
import { EXIT_FAILURE, EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { requireLockfile } from "../lockfile.js";
import { conformanceOf } from "../pr/checks.js";
import { addWorktree, commitPaths, pushBranch, refExists, removeWorktree } from "../pr/git.js";
import { repoContextFromEnv, upsertPull } from "../pr/pulls.js";
import { bumpInPlace } from "./catalog-bump.js";
import { DEFAULT_CONFORMANCE_KAFKA } from "./conformance.js";

interface Options {
  catalog: string;
  lockfile?: string;
  base: string;
  remote: string;
  conformance?: boolean;
  kafka?: string;
  pre?: boolean;
  json?: boolean;
}

/** The hidden marker an update PR's body carries (for people and tools that look for kiln's PRs). */
export const UPDATE_MARKER = (name: string) => `<!-- kiln-update:${name} -->`;

/** An update PR's body: what changed, why `latest` and not newer, and the conformance matrix (or that it did not run). Pure. */
export function updateBody(u: Update, bump: Bump, conformance: string | undefined): string {
  return [
    UPDATE_MARKER(u.name),
    `## ${u.name}: ${u.current} → ${u.latest}`,
    "",
    ...bump.changes.map((c) => `- ${c}`),
    ...(u.note ? ["", `Newer releases exist: ${u.note}.`] : []),
    ...bump.report.errors.map((e) => `- ❌ inspection: ${e}`),
    "",
    "### Conformance",
    "",
    conformance ??
      "Not run here (`kiln catalog update-prs --conformance` runs it); this PR's checks run `kiln pr --conformance`.",
    "",
    "Opened by `kiln catalog update-prs`; it updates this PR in place when a newer release appears.",
    "",
  ].join("\n");
}

/**
 * `kiln catalog update-prs`: for every entry with a newer release, one branch
 * (`kiln/update/<name>`) with the bump committed on top of the base, pushed, and one pull request
 * with the conformance matrix in its body, updated in place when it is already open. The user's
 * checkout is never touched: each bump is prepared in a work tree of its own.
 */
export async function run(io: CommandIO, names: string[], opts: Options): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const gh = repoContextFromEnv(io.env);
  const catalog = await requireCatalog(opts.catalog, cwd);
  const entries = catalog.entries
    .map((e) => e.entry)
    .filter((e) => names.length === 0 || names.includes(e.name));
  const signal = io.signal ? { signal: io.signal } : {};
  const report = await findUpdates(entries, {
    ...(opts.pre ? { pre: true } : {}),
    resolve: { env: io.env, ...signal },
  });
  for (const u of report.unchecked) writeLine(io.stderr, `kiln: ${u.name} not checked: ${u.reason}`);
  const baseRef = (await refExists(cwd, `${opts.remote}/${opts.base}`))
    ? `${opts.remote}/${opts.base}`
    : opts.base;
  const catalogRel = relative(cwd, resolve(cwd, opts.catalog));
  const lockRel = opts.lockfile ?? LOCKFILE_NAME;
  const kafka = opts.kafka ? opts.kafka.split(",").map((v) => v.trim()) : DEFAULT_CONFORMANCE_KAFKA;
  const results: Array<{ name: string; to: string; pull?: string; error?: string }> = [];
  for (const u of report.updates) {
    const work = await mkdtemp(join(tmpdir(), `kiln-update-${u.name}-`));
    const tree = join(work, "tree");
    try {
      await addWorktree(cwd, tree, baseRef);
      const { bump } = await bumpInPlace(tree, {
        catalog: catalogRel,
        lockfile: lockRel,
        name: u.name,
        to: u.latest,
        env: io.env,
        ...signal,
      });
      let matrix: string | undefined;
      if (opts.conformance) {
        const after = await requireCatalog(catalogRel, tree);
        const plugins = await resolvePlugins(after, await requireLockfile(lockRel, tree), [u.name], {
          env: io.env,
          ...signal,
        });
        matrix = matrixMarkdown(
          await conformanceOf(after, plugins, kafka, (line) => writeLine(io.stderr, line), io.signal),
        );
      }
      const branch = `kiln/update/${u.name}`;
      const title = `catalog: bump ${u.name} from ${u.current} to ${u.latest}`;
      if (!(await commitPaths(tree, [catalogRel, lockRel], title)))
        throw new KilnError(`bumping ${u.name} to ${u.latest} changed nothing`);
      await pushBranch(tree, opts.remote, branch);
      const pull = await upsertPull(gh, {
        branch,
        base: opts.base,
        title,
        body: updateBody(u, bump, matrix),
      });
      results.push({ name: u.name, to: u.latest, pull: pull.url });
      writeLine(
        io.stderr,
        `kiln: ${u.name} ${u.current} → ${u.latest}: ${pull.created ? "opened" : "updated"} ${pull.url}`,
      );
    } catch (err) {
      if (io.signal?.aborted) throw err; // the deadline ends the run, not just this bump
      const message = err instanceof KilnError ? err.userMessage : (err as Error).message;
      results.push({ name: u.name, to: u.latest, error: message });
      writeLine(io.stderr, `kiln: ${u.name} → ${u.latest}: ${message}`);
    } finally {
      await removeWorktree(cwd, tree).catch(() => {});
      await rm(work, { recursive: true, force: true });
    }
  }
  if (opts.json)
    writeLine(io.stdout, JSON.stringify({ updates: results, unchecked: report.unchecked }, null, 2));
  else if (results.length === 0) writeLine(io.stdout, "no newer releases: no update PRs");
  else
    for (const r of results) writeLine(io.stdout, `${r.name} → ${r.to}: ${r.pull ?? `failed: ${r.error}`}`);
  return results.some((r) => r.error) ? EXIT_FAILURE : EXIT_OK;
}
