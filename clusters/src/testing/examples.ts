// Test support: the repository's example Cluster files, loaded and rendered.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Cluster, loadSpec, type SourceDocument } from "@kiln/schemas";
import { type RenderOptions, type RenderResult, renderCluster } from "../render/index.js";

export const EXAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "examples");

/** Baked images the examples' Connect clusters would get from `kiln bake` (pinned by digest). */
export const EXAMPLE_IMAGES: Record<string, string> = {
  cdc: `registry.example.com/kafka/connect-cdc@sha256:${"ab".repeat(32)}`,
};

export interface Example {
  file: string;
  cluster: Cluster;
  source: SourceDocument;
  result: RenderResult;
}

export function exampleFiles(): string[] {
  return readdirSync(EXAMPLES_DIR, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".yaml"))
    .sort();
}

export function loadExample(file: string, options: RenderOptions = { images: EXAMPLE_IMAGES }): Example {
  const text = readFileSync(join(EXAMPLES_DIR, file), "utf8");
  const spec = loadSpec<Cluster>(text, file, "Cluster");
  return { file, cluster: spec.value, source: spec.source, result: renderCluster(spec.value, options) };
}

export function loadCluster(
  text: string,
  file = "cluster.yaml",
): { cluster: Cluster; source: SourceDocument } {
  const spec = loadSpec<Cluster>(text, file, "Cluster");
  return { cluster: spec.value, source: spec.source };
}
