import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import {
  type Bump,
  findUpdates,
  LOCKFILE_NAME,
  resolvePlugins,
  type Unchecked,
  type Update,
} from "@kiln/catalog";
import { matrixMarkdown } from "@kiln/conformance";
import { CONFORMANCE_KAFKA_VERSIONS, KilnError } from "@kiln/schemas";
import { requireCatalog } from "./catalog.js";
import { bumpInPlace } from "./catalog-updates.js";
import { proveEntries } from "./conformance.js";
import type { RunContext } from "./context.js";
import { requireLockfile } from "./lockfile.js";
import { addWorktree, commitPaths, pushBranch, refExists, removeWorktree } from "./pr/git.js";
import { repoContextFromEnv, upsertPull } from "./pr/pulls.js";

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

export interface UpdatePrsRequest {
  catalog: string;
  lockfile?: string;
  /** Entries to check (default: all). */
  names?: string[];
  /** The branch the PRs go into, and the remote the branches are pushed to. */
  base: string;
  remote: string;
  /** Run conformance for each bump on real Connect workers, its matrix in the PR's body. */
  conformance?: boolean;
  kafka?: string[];
  pre?: boolean;
}

export interface UpdatePrResult {
  name: string;
  from: string;
  to: string;
  pull?: { url: string; created: boolean };
  error?: string;
}

/**
 * `kiln catalog update-prs`: for every entry with a newer release, one branch
 * (`kiln/update/<name>`) with the bump committed on top of the base, pushed, and one pull request
 * with the conformance matrix in its body, updated in place when it is already open. The user's
 * checkout is never touched: each bump is prepared in a work tree of its own.
 */
export async function updatePullRequests(
  req: UpdatePrsRequest,
  ctx: RunContext,
  hooks: {
    onLine: (line: string) => void;
    /** An entry whose releases could not be listed (told before any bump starts). */
    onUnchecked?: (u: Unchecked) => void;
    onResult?: (r: UpdatePrResult) => void;
  },
): Promise<{ updates: UpdatePrResult[]; unchecked: Unchecked[] }> {
  const { cwd } = ctx;
  const gh = repoContextFromEnv(ctx.env);
  const catalog = await requireCatalog(req.catalog, cwd);
  const entries = catalog.entries
    .map((e) => e.entry)
    .filter((e) => !req.names?.length || req.names.includes(e.name));
  const report = await findUpdates(entries, {
    ...(req.pre ? { pre: true } : {}),
    resolve: { env: ctx.env, ...(ctx.signal ? { signal: ctx.signal } : {}) },
  });
  for (const u of report.unchecked) hooks.onUnchecked?.(u);
  const baseRef = (await refExists(cwd, `${req.remote}/${req.base}`))
    ? `${req.remote}/${req.base}`
    : req.base;
  const catalogRel = relative(cwd, resolve(cwd, req.catalog));
  const lockRel = req.lockfile ?? LOCKFILE_NAME;
  const kafka = req.kafka ?? [...CONFORMANCE_KAFKA_VERSIONS];
  const results: UpdatePrResult[] = [];
  for (const u of report.updates) {
    const work = await mkdtemp(join(tmpdir(), `kiln-update-${u.name}-`));
    const tree = join(work, "tree");
    const at = { ...ctx, cwd: tree };
    let result: UpdatePrResult;
    try {
      await addWorktree(cwd, tree, baseRef);
      const { bump } = await bumpInPlace(
        { catalog: catalogRel, lockfile: lockRel, name: u.name, to: u.latest },
        at,
      );
      let matrix: string | undefined;
      if (req.conformance) {
        const after = await requireCatalog(catalogRel, tree);
        const plugins = await resolvePlugins(after, await requireLockfile(lockRel, tree), [u.name], {
          env: ctx.env,
          ...(ctx.signal ? { signal: ctx.signal } : {}),
        });
        matrix = matrixMarkdown(
          await proveEntries(after, plugins, {
            kafkaVersions: kafka,
            onProgress: hooks.onLine,
            ...(ctx.signal ? { signal: ctx.signal } : {}),
          }),
        );
      }
      const branch = `kiln/update/${u.name}`;
      const title = `catalog: bump ${u.name} from ${u.current} to ${u.latest}`;
      if (!(await commitPaths(tree, [catalogRel, lockRel], title)))
        throw new KilnError(`bumping ${u.name} to ${u.latest} changed nothing`);
      await pushBranch(tree, req.remote, branch);
      const pull = await upsertPull(gh, { branch, base: req.base, title, body: updateBody(u, bump, matrix) });
      result = { name: u.name, from: u.current, to: u.latest, pull };
    } catch (err) {
      if (ctx.signal?.aborted) throw err; // the deadline ends the run, not just this bump
      const message = err instanceof KilnError ? err.userMessage : (err as Error).message;
      result = { name: u.name, from: u.current, to: u.latest, error: message };
    } finally {
      await removeWorktree(cwd, tree).catch(() => {});
      await rm(work, { recursive: true, force: true });
    }
    results.push(result);
    hooks.onResult?.(result);
  }
  return { updates: results, unchecked: report.unchecked };
}
