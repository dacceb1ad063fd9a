import type { Cluster } from "@kiln/schemas";
import { UsageError } from "./exit.js";

/**
 * `--image <connect-cluster>=<image@sha256:…>` values, by Connect cluster name. With the Cluster
 * they are for, each must name one of its Connect clusters, once (the renderer checks the pin).
 */
export function parseImages(values: string[] = [], cluster?: Cluster): Record<string, string> {
  const known = cluster ? (cluster.connect ?? []).map((c) => c.name) : undefined;
  const images: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq <= 0 || eq === v.length - 1)
      throw new UsageError(`--image takes <connect-cluster>=<image@sha256:…>, not ${v}`);
    const name = v.slice(0, eq);
    if (known && !known.includes(name))
      throw new UsageError(
        `--image ${name}=…: the cluster has no Connect cluster named ${name} (it has ${known.join(", ") || "none"})`,
      );
    if (images[name]) throw new UsageError(`--image ${name} is given twice`);
    images[name] = v.slice(eq + 1);
  }
  return images;
}
