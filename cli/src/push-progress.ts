import type { PushEvent } from "@kiln/builder";
import { type CommandIO, interactive } from "./io.js";

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Push progress on stderr: a redrawn line on an interactive terminal, plain lines otherwise. */
export function pushReporter(io: CommandIO): (e: PushEvent) => void {
  const tty = interactive(io);
  let last = 0;
  return (e) => {
    if (e.kind === "manifest") {
      io.stderr.write(`${tty ? "\r\x1b[2K" : ""}pushed manifest ${e.reference}\n`);
      return;
    }
    const short = e.digest.slice(7, 19);
    if (e.state === "uploading") {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      io.stderr.write(`\r\x1b[2Kuploading ${short} ${mib(e.bytes ?? 0)}/${mib(e.size)}`);
      return;
    }
    io.stderr.write(`${tty ? "\r\x1b[2K" : ""}${e.state} ${short} (${mib(e.size)})\n`);
  };
}
