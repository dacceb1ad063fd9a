import { open, readdir, stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { DEFAULT_MAX_BYTES, type Diagnostic, KilnError, SpecError } from "@kiln/schemas";
import { type CatalogResult, loadCatalog, type SourceFile } from "./load.js";

const SPEC_FILE = /\.(ya?ml|json)$/;

/** A file kiln was pointed at that it cannot read as text: missing, not a regular file, too large. */
export class FileReadError extends KilnError {
  readonly code: string;

  constructor(file: string, code: string, message: string, cause?: unknown) {
    super(message, { location: { file }, cause });
    this.code = code;
  }
}

const ERRNO: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "is a directory, not a file",
  ENOTDIR: "a part of the path is not a directory",
  ELOOP: "too many symbolic links (a link loop?)",
  ENAMETOOLONG: "the path is too long",
};

/**
 * Reads a text file kiln was pointed at (a spec, a lock, a PEM, a settings file). Refuses what
 * is not a regular file — `/dev/zero`, a fifo, a directory, a dangling link — and anything over
 * `maxBytes`, reading at most that much whatever the file claims. Errors name `display` (the
 * path as the user wrote it).
 */
export async function readTextFile(
  path: string,
  opts: { maxBytes?: number; display?: string } = {},
): Promise<string> {
  const file = opts.display ?? path;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const failed = (err: NodeJS.ErrnoException) =>
    new FileReadError(file, err.code ?? "EIO", ERRNO[err.code ?? ""] ?? err.message, err);
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw failed(err);
  });
  if (!info.isFile()) {
    const what = info.isDirectory()
      ? "a directory"
      : info.isFIFO()
        ? "a fifo"
        : info.isSocket()
          ? "a socket"
          : "a device";
    throw new FileReadError(file, "ENOTREG", `is ${what}, not a regular file`);
  }
  if (info.size > maxBytes) throw tooLarge(file, `${info.size}`, maxBytes);
  const fh = await open(path, "r").catch((err: NodeJS.ErrnoException) => {
    throw failed(err);
  });
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(Math.min(1 << 20, maxBytes + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
      // A file that grows while read (or a special file that slipped through) stops here.
      if (total > maxBytes) throw tooLarge(file, `more than ${maxBytes}`, maxBytes);
    }
    return Buffer.concat(chunks).toString("utf8");
  } catch (err) {
    if (err instanceof KilnError) throw err;
    throw failed(err as NodeJS.ErrnoException);
  } finally {
    await fh.close();
  }
}

function tooLarge(file: string, size: string, maxBytes: number): SpecError {
  const message = `file is ${size} bytes; the limit is ${maxBytes} bytes`;
  return new SpecError([{ severity: "error", code: "file-too-large", message, location: { file } }]);
}

/**
 * Reads a file for the loader: a regular file of at most the loader's size limit (a located
 * SpecError otherwise). Paths are reported relative to `cwd`.
 */
export async function readSourceFile(path: string, cwd = process.cwd()): Promise<SourceFile> {
  const file = relative(cwd, path) || path;
  return { file, text: await readTextFile(path, { display: file }) };
}

/**
 * The spec files under `dir` (recursively), sorted, for stable output. Links are listed too: a
 * link that leads nowhere is reported when read, never silently left out.
 */
export async function listSpecFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && SPEC_FILE.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The licence policy sits beside the connectors folder: catalog/license-policy.yaml. */
export function defaultPolicyPath(connectorsDir: string): string {
  return join(dirname(connectorsDir), "license-policy.yaml");
}

/** Reads and checks a catalog directory. */
export async function readCatalog(
  connectorsDir: string,
  opts: { policy?: string; cwd?: string } = {},
): Promise<CatalogResult> {
  const paths = await listSpecFiles(connectorsDir).catch((err: NodeJS.ErrnoException) => {
    throw new KilnError(
      err.code === "ENOENT"
        ? "catalog directory not found"
        : err.code === "ENOTDIR"
          ? "is a file, not the catalog directory"
          : err.message,
      {
        location: { file: connectorsDir },
        cause: err,
      },
    );
  });
  const unreadable: Diagnostic[] = [];
  const files: SourceFile[] = [];
  for (const p of paths) {
    try {
      files.push(await readSourceFile(p, opts.cwd));
    } catch (err) {
      if (err instanceof SpecError) unreadable.push(...err.diagnostics);
      else if (err instanceof FileReadError)
        unreadable.push({
          severity: "error",
          code: "unreadable",
          message: `cannot be read: ${err.userMessage}`,
          location: err.location ?? {},
        });
      else throw err;
    }
  }
  const policy = await readSourceFile(opts.policy ?? defaultPolicyPath(connectorsDir), opts.cwd);
  const result = loadCatalog(files, policy);
  if (unreadable.length === 0) return result;
  return {
    ...result,
    catalog: undefined,
    diagnostics: [...unreadable, ...result.diagnostics],
    files: paths.length,
  };
}
