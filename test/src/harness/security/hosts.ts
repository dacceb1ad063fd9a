import { writeFile } from "node:fs/promises";
import { hostname } from "node:os";

/**
 * A hosts file for the JDK (`-Djdk.net.hosts.file`) mapping `names` to loopback addresses, and the
 * flag that makes a JVM resolve through it. With it a JVM looks up no other name, so localhost
 * and this machine's own name are mapped too.
 */
export async function jdkHostsFile(file: string, names: Record<string, string>): Promise<string[]> {
  const lines = [
    `127.0.0.1 localhost ${hostname()}`,
    ...Object.entries(names).map(([n, ip]) => `${ip} ${n}`),
  ];
  await writeFile(file, `${lines.join("\n")}\n`);
  return [`-Djdk.net.hosts.file=${file}`];
}
