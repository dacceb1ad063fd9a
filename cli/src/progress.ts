import type { ProgressEvent } from "@kiln/catalog";
import type { CommandIO } from "./io.js";

function mib(n: number): string {
  return `${(n / (1 << 20)).toFixed(1)} MiB`;
}

/**
 * Download progress on stderr: one redrawn bar line on a terminal, plain lines
 * otherwise (CI=true or a pipe). Cache hits print nothing.
 */
export function progressReporter(io: CommandIO): (e: ProgressEvent) => void {
  const tty = Boolean(io.stderr.isTTY) && !io.env.CI && io.env.TERM !== "dumb";
  let last = 0;
  return (e) => {
    if (e.kind === "cached") return;
    if (!tty) {
      if (e.kind === "start") io.stderr.write(`fetching ${e.label}\n`);
      if (e.kind === "done")
        io.stderr.write(`fetched ${e.label}${e.received !== undefined ? ` (${mib(e.received)})` : ""}\n`);
      return;
    }
    const now = Date.now();
    if (e.kind === "progress" && now - last < 100) return;
    last = now;
    const got = e.received ?? 0;
    const total = e.total;
    const width = 24;
    const filled = total ? Math.min(width, Math.round((got / total) * width)) : 0;
    const bar = total ? `[${"#".repeat(filled)}${" ".repeat(width - filled)}] ` : "";
    const size = total ? `${mib(got)}/${mib(total)}` : mib(got);
    const line = e.kind === "done" ? `fetched ${e.label} (${mib(got)})\n` : `${bar}${size}  ${e.label}`;
    io.stderr.write(`\r\x1b[2K${line}`);
  };
}
