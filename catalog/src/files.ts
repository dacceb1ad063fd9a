import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { relative } from "node:path";
import { DEFAULT_MAX_BYTES, KilnError, SpecError } from "@kiln/schemas/core";
import type { SourceFile } from "./load.js";

// `@kiln/catalog/files`: reading a file kiln was pointed at, safely, without the loader's YAML
// parser and validators (a bake from plugin directories reads a CA or a Docker config, no spec).

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
 * path as the user wrote it). The calls are synchronous on purpose: these files are small, and
 * a catalog has thousands of them, which the thread pool's round trips made 15 times slower to read.
 */
export async function readTextFile(
  path: string,
  opts: { maxBytes?: number; display?: string } = {},
): Promise<string> {
  const file = opts.display ?? path;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const failed = (err: NodeJS.ErrnoException) =>
    new FileReadError(file, err.code ?? "EIO", ERRNO[err.code ?? ""] ?? err.message, err);
  let fd: number;
  try {
    const info = statSync(path);
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
    fd = openSync(path, "r");
  } catch (err) {
    if (err instanceof KilnError) throw err;
    throw failed(err as NodeJS.ErrnoException);
  }
  try {
    // What was opened is what is read: a regular file still, whatever the path names by now.
    const opened = fstatSync(fd);
    if (!opened.isFile()) throw new FileReadError(file, "ENOTREG", "is not a regular file");
    // One buffer the size the file claims, plus a byte to see it grow (a fresh megabyte per
    // file made reading a 5,000-file catalog ten times slower); grown only if it does.
    let buf = Buffer.allocUnsafe(Math.min(opened.size, maxBytes) + 1);
    let total = 0;
    for (;;) {
      if (total === buf.length) {
        // A file that grows while read (or a special file that slipped through) stops here.
        if (total > maxBytes) throw tooLarge(file, `more than ${maxBytes}`, maxBytes);
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, maxBytes + 1));
        buf.copy(bigger, 0, 0, total);
        buf = bigger;
      }
      const bytesRead = readSync(fd, buf, total, buf.length - total, null);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    return buf.toString("utf8", 0, total);
  } catch (err) {
    if (err instanceof KilnError) throw err;
    throw failed(err as NodeJS.ErrnoException);
  } finally {
    closeSync(fd);
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
