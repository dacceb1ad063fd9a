import { randomBytes } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { LOCKFILE_NAME, type Lockfile, parseLock, serializeLock } from "@kiln/catalog";
import { KilnError } from "@kiln/schemas";

/** Reads the lock for commands that build from it; a missing lock is an error that says what to run. */
export async function readLockfile(
  path: string | undefined,
  cwd: string,
): Promise<{ lock: Lockfile; text: string; file: string } | undefined> {
  const file = resolve(cwd, path ?? LOCKFILE_NAME);
  const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw new KilnError(err.message, { location: { file }, cause: err });
  });
  if (text === undefined) return undefined;
  return { lock: parseLock(text, path ?? LOCKFILE_NAME), text, file };
}

export async function requireLockfile(path: string | undefined, cwd: string): Promise<Lockfile> {
  const got = await readLockfile(path, cwd);
  if (!got) throw new KilnError(`no lock file ${path ?? LOCKFILE_NAME}; run kiln lock first`);
  return got.lock;
}

/** Writes the lock deterministically, through a temporary file renamed into place. Returns its text. */
export async function writeLockfile(path: string | undefined, cwd: string, lock: Lockfile): Promise<string> {
  const file = resolve(cwd, path ?? LOCKFILE_NAME);
  const text = serializeLock(lock);
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
  return text;
}
