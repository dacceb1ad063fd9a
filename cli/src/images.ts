import { UsageError } from "./exit.js";

/** `--image <connect-cluster>=<image@sha256:…>` values, by Connect cluster name. */
export function parseImages(values: string[] = []): Record<string, string> {
  const images: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq <= 0) throw new UsageError(`--image takes <connect-cluster>=<image@sha256:…>, not ${v}`);
    images[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return images;
}
