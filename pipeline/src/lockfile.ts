import { randomBytes } from "node:crypto";
import { rename, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import {
  FileReadError,
  LOCKFILE_MAX_BYTES,
  LOCKFILE_NAME,
  type Lockfile,
  parseLock,
  readTextFile,
  serializeLock,
} from "@kiln/catalog";
import { KilnError, SpecError } from "@kiln/schemas";

/**
 * Reads the lock for commands that build from it (undefined when there is none). The lock is
 * untrusted input: a lock that is not a valid kiln lock is a located error, with `hint` saying
 * what to do — which depends on the command that read it.
 */
export async function readLockfile(
  path: string | undefined,
  cwd: string,
  hint = "fix it, or run kiln lock to write it again from the catalog",
): Promise<{ lock: Lockfile; text: string; file: string } | undefined> {
  const display = path ?? LOCKFILE_NAME;
  const file = resolve(cwd, display);
  let text: string;
  try {
    text = await readTextFile(file, { maxBytes: LOCKFILE_MAX_BYTES, display });
  } catch (err) {
    if (err instanceof FileReadError && err.code === "ENOENT") return undefined;
    throw err;
  }
  try {
    return { lock: parseLock(text, display), text, file };
  } catch (err) {
    if (err instanceof SpecError) throw new SpecError(err.diagnostics, { hint });
    if (err instanceof KilnError)
      throw new KilnError(err.userMessage, {
        ...(err.location ? { location: err.location } : {}),
        hint,
        cause: err,
      });
    throw err;
  }
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
