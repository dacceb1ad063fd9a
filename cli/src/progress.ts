import type { ProgressEvent } from "@kiln/catalog";
import { type CommandIO, interactive } from "./io.js";

function mib(n: number): string {
  return `${(n / (1 << 20)).toFixed(1)} MiB`;
}

/**
 * Download progress on stderr: on a terminal one redrawn bar line summing the
 * downloads in flight; plain lines otherwise (CI=true or a pipe). Cache hits
 * print nothing.
 */
export function progressReporter(io: CommandIO): (e: ProgressEvent) => void {
  const tty = interactive(io);
  const active = new Map<string, { received: number; total: number | undefined }>();
  let last = 0;
  return (e) => {
    if (e.kind === "cached") return;
    if (!tty) {
      if (e.kind === "start") io.stderr.write(`fetching ${e.label}\n`);
      if (e.kind === "done") {
        io.stderr.write(`fetched ${e.label}${e.received !== undefined ? ` (${mib(e.received)})` : ""}\n`);
      }
      return;
    }
    if (e.kind === "done") {
      active.delete(e.label);
      io.stderr.write(
        `\r\x1b[2Kfetched ${e.label}${e.received !== undefined ? ` (${mib(e.received)})` : ""}\n`,
      );
    } else {
      active.set(e.label, { received: e.received ?? 0, total: e.total });
      const now = Date.now();
      if (e.kind === "progress" && now - last < 100) return;
      last = now;
    }
    if (active.size === 0) return;
    const all = [...active.values()];
    const got = all.reduce((n, a) => n + a.received, 0);
    const known = all.every((a) => a.total !== undefined);
    const total = known ? all.reduce((n, a) => n + (a.total ?? 0), 0) : undefined;
    const width = 24;
    const filled = total ? Math.min(width, Math.round((got / total) * width)) : 0;
    const bar = total ? `[${"#".repeat(filled)}${" ".repeat(width - filled)}] ` : "";
    const size = total ? `${mib(got)}/${mib(total)}` : mib(got);
    const what = active.size === 1 ? [...active.keys()][0] : `${active.size} downloads`;
    io.stderr.write(`\r\x1b[2K${bar}${size}  ${what}`);
  };
}
