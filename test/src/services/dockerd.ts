import { execFile } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { startProcess, waitFor } from "../harness/process.js";
import type { Service } from "./service.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** `unix:///…/docker.sock` of the test's own Docker engine. */
    dockerHost: string;
  }
}

/** Lazily unmounts what dockerd left mounted under `dir` (host-network containers bind its netns file). */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await readFile("/proc/self/mounts", "utf8"))
    .split("\n")
    .map((l) => l.split(" ")[1] ?? "")
    .filter((m) => m.startsWith(`${dir}/`))
    .reverse();
  for (const m of mounts)
    await new Promise<void>((resolve) => execFile("umount", ["-l", m], () => resolve()));
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: "/_ping", method: "GET", agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.end();
  });
}

/**
 * Debian's dockerd, private to the run: its own socket, data and exec roots
 * under the work dir, no bridge and no iptables (containers run with
 * `--network none`). Loopback registries are insecure-allowed by default.
 */
export const dockerd: Service = {
  name: "dockerd",
  async start({ workDir }) {
    await mkdir(workDir, { recursive: true });
    const sock = join(workDir, "docker.sock");
    const proc = await startProcess(
      "dockerd",
      "/usr/sbin/dockerd",
      [
        "--host",
        `unix://${sock}`,
        "--data-root",
        join(workDir, "data"),
        "--exec-root",
        join(workDir, "exec"),
        "--pidfile",
        join(workDir, "docker.pid"),
        "--bridge=none",
        "--iptables=false",
        "--ip6tables=false",
        "--ip-masq=false",
      ],
      { logDir: workDir },
    );
    await waitFor("dockerd", () => ping(sock), { service: proc, timeoutMs: 60_000 });
    return {
      provide: { dockerHost: `unix://${sock}` },
      stop: async () => {
        await proc.stop();
        await unmountUnder(workDir);
      },
    };
  },
};
