import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_KAFKA_VERSION, STRIMZI_VERSION, SUPPORTED_KAFKA_LINES } from "@kiln/schemas/versions";

interface Manifest {
  name?: string;
  version?: string;
}

/**
 * kiln's own directory, found by its package.json (named `kiln`): the repository root in a
 * clone, the package root once installed from `npm run pack`'s tarball. The version, the
 * starter catalog and the JSON Schemas are found from here, in either layout.
 */
export function productRoot(): { dir: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    let manifest: Manifest | undefined;
    try {
      manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
    } catch {
      manifest = undefined; // none here, or not ours: look further up
    }
    if (manifest?.name === "kiln" && manifest.version) return { dir, version: manifest.version };
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json named "kiln" above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** What `kiln --version` prints: kiln's version, then what it targets. */
export function versionText(): string {
  return [
    `kiln ${productRoot().version}`,
    `targets Strimzi ${STRIMZI_VERSION} (kafka.strimzi.io/v1), Kafka ${SUPPORTED_KAFKA_LINES.join(" and ")} (default ${DEFAULT_KAFKA_VERSION})`,
  ].join("\n");
}
