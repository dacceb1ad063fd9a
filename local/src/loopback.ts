// Addresses of a local cluster: every node, worker and peer gets its own loopback address
// (Linux routes all of 127.0.0.0/8 to lo), so each binds the ports Strimzi would use — 9090,
// 9091, the listeners' ports, 9404 — and names resolve to them through a JDK hosts file
// (`-Djdk.net.hosts.file`), exactly as cluster DNS would. Nothing is written to /etc/hosts.
import { createHash } from "node:crypto";
import { createServer } from "node:net";
import { hostname } from "node:os";
import { LocalRuntimeError } from "./errors.js";

/** The first three octets of the /24 a local environment's `index`-th cluster uses. */
export function loopbackBlock(seed: string, index: number): string {
  const h = createHash("sha256").update(seed).digest();
  const b = 16 + ((h[0] ?? 0) % 200);
  const c = ((h[1] ?? 0) % 200) + index;
  return `127.${b}.${c}`;
}

/** A host name mapped to one address: lines of a JDK hosts file (a name may have several). */
export interface HostEntry {
  name: string;
  ip: string;
}

/** The hosts file text: the machine's own names first, then one line per address with its names. */
export function hostsFileText(entries: HostEntry[]): string {
  const byIp = new Map<string, Set<string>>();
  for (const { name, ip } of [
    { name: "localhost", ip: "127.0.0.1" },
    { name: hostname(), ip: "127.0.0.1" },
    ...entries,
  ]) {
    const names = byIp.get(ip) ?? new Set<string>();
    names.add(name);
    byIp.set(ip, names);
  }
  return `${[...byIp].map(([ip, names]) => `${ip} ${[...names].join(" ")}`).join("\n")}\n`;
}

/** Refuses an address whose port something else already listens on (another cluster, a stray process). */
export async function assertFree(ip: string, port: number, what: string): Promise<void> {
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const srv = createServer();
    srv.once("error", (err: NodeJS.ErrnoException) => resolve(err));
    srv.listen(port, ip, () => srv.close(() => resolve(undefined)));
  });
  if (error)
    throw new LocalRuntimeError(
      `${what} cannot listen on ${ip}:${port} (${error.code}): is another local cluster using this state directory's addresses? Run \`kiln down\` or choose another --state directory`,
    );
}
