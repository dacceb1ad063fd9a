import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { KilnError } from "@kiln/schemas";

const exec = promisify(execFile);

async function git(cwd: string, args: string[], opts: { emptyOnExit1?: boolean } = {}): Promise<string> {
  try {
    const { stdout } = await exec("git", args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    if (opts.emptyOnExit1 && (err as { code?: unknown }).code === 1) return "";
    const stderr = String((err as { stderr?: string }).stderr ?? "").trim();
    throw new KilnError(`git ${args.join(" ")} failed: ${stderr || (err as Error).message}`, { cause: err });
  }
}

/** The commit a PR branched from: merge-base of the base ref and HEAD. */
export async function mergeBase(cwd: string, baseRef: string): Promise<string> {
  return (await git(cwd, ["merge-base", baseRef, "HEAD"])).trim();
}

/** Files that differ between `base` and the work tree (committed or not), with their status letter. */
export async function changedFiles(
  cwd: string,
  base: string,
): Promise<Array<{ status: string; path: string }>> {
  const out = await git(cwd, ["diff", "--name-status", "--no-renames", "-z", base, "--"]);
  const fields = out.split("\0").filter(Boolean);
  const files: Array<{ status: string; path: string }> = [];
  for (let i = 0; i + 1 < fields.length; i += 2)
    files.push({ status: fields[i] as string, path: fields[i + 1] as string });
  return files;
}

/** Files under `path` git does not track (and does not ignore): new files not yet added. */
export async function untrackedFiles(cwd: string, path: string): Promise<string[]> {
  const out = await git(cwd, ["ls-files", "--others", "--exclude-standard", "-z", "--", path]);
  return out.split("\0").filter(Boolean).sort();
}

/** Files under `paths` whose work-tree content is not what HEAD has (modified, added, untracked). */
export async function uncommittedFiles(cwd: string, paths: string[]): Promise<string[]> {
  const out = await git(cwd, ["status", "--porcelain", "-z", "--untracked-files=all", "--", ...paths]);
  // Each record is "XY path"; a rename adds the old path as the next record.
  const records = out.split("\0").filter(Boolean);
  const files: string[] = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as string;
    files.push(r.slice(3));
    if (r[0] === "R" || r[0] === "C") i++;
  }
  return files.sort();
}

/** A file's text at a revision, or undefined when it did not exist there. */
export async function fileAt(cwd: string, rev: string, path: string): Promise<string | undefined> {
  try {
    const { stdout } = await exec("git", ["show", `${rev}:${path}`], { cwd, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch {
    return undefined;
  }
}

export async function headCommit(cwd: string): Promise<string> {
  return (await git(cwd, ["rev-parse", "HEAD"])).trim();
}

/** Tracked YAML files whose text declares `kind: Cluster` (cheap pre-filter; callers validate). */
export async function trackedClusterFiles(cwd: string): Promise<string[]> {
  // git grep exits 1 when nothing matches.
  const out = await git(
    cwd,
    ["grep", "-l", "-z", "-E", "^kind:[[:space:]]*Cluster[[:space:]]*$", "--", "*.yaml", "*.yml"],
    {
      emptyOnExit1: true,
    },
  );
  return out.split("\0").filter(Boolean).sort();
}

/** A detached work tree of `ref` at `dir`, for preparing a branch without touching the user's checkout. */
export async function addWorktree(cwd: string, dir: string, ref: string): Promise<void> {
  await git(cwd, ["worktree", "add", "--detach", dir, ref]);
}

export async function removeWorktree(cwd: string, dir: string): Promise<void> {
  await git(cwd, ["worktree", "remove", "--force", dir]);
}

/** Commits every change under `paths` as kiln (the identity CI bots use); false when nothing changed. */
export async function commitPaths(cwd: string, paths: string[], message: string): Promise<boolean> {
  await git(cwd, ["add", "--all", "--", ...paths]);
  if ((await git(cwd, ["diff", "--cached", "--name-only"])).trim() === "") return false;
  await git(cwd, [
    "-c",
    "user.name=kiln",
    "-c",
    "user.email=kiln@users.noreply.github.com",
    "commit",
    "--quiet",
    "-m",
    message,
  ]);
  return true;
}

/** Pushes HEAD to `branch` on `remote`, replacing what was there (the branch is kiln's own). */
export async function pushBranch(cwd: string, remote: string, branch: string): Promise<void> {
  await git(cwd, ["push", "--quiet", "--force", remote, `HEAD:refs/heads/${branch}`]);
}

/** Whether `ref` names a commit. */
export async function refExists(cwd: string, ref: string): Promise<boolean> {
  return git(cwd, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).then(
    () => true,
    () => false,
  );
}
