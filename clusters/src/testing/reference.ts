// Test support (never imported by renderers): the reference CRDs — Strimzi's and
// prometheus-operator's — made from pinned upstream artifacts by test/reference/fetch.sh
// (generated, checksum-verified and cached once per machine; see test/README.md).
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const fetchScript = fileURLToPath(new URL("../../../test/reference/fetch.sh", import.meta.url));

let made: string | undefined;

/** The directory holding `strimzi/crds/` and `prometheus-operator/crds/`; made on first use. */
export function referenceDir(): string {
  made ??= execFileSync("bash", [fetchScript], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 15 * 60_000,
  })
    .trim()
    .split("\n")
    .at(-1);
  if (!made) throw new Error(`${fetchScript} printed no directory`);
  return made;
}

export function strimziCrdDir(): string {
  return join(referenceDir(), "strimzi", "crds");
}

export function prometheusCrdDir(): string {
  return join(referenceDir(), "prometheus-operator", "crds");
}
