// Test support: the repository's example Cluster files, loaded and rendered.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Cluster, loadSpec, type SourceDocument } from "@kiln/schemas";
import {
  type RenderedObject,
  type RenderOptions,
  type RenderResult,
  renderCluster,
} from "../render/index.js";
import type { NetworkPolicy } from "../wire/k8s.js";
import type { Kafka } from "../wire/strimzi.js";

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

/**
 * The three-zone example's objects as kiln rendered them before the NetworkPolicy fixes: the
 * internal tls listener without networkPolicyPeers (Strimzi then admits every namespace), and
 * the Connect REST policy admitting only the deploy namespace on 8083.
 */
export function threeZoneBeforeFixes(): { cluster: Cluster; objects: RenderedObject[] } {
  const example = loadExample("three-zone/cluster.yaml");
  const objects = structuredClone(example.result.items.map((i) => i.object));
  const kafka = objects.find((o) => o.kind === "Kafka") as Kafka;
  for (const l of kafka.spec.kafka.listeners) if (l.name === "tls") delete l.networkPolicyPeers;
  const rest = objects.find((o) => o.kind === "NetworkPolicy") as NetworkPolicy;
  rest.spec.ingress = [
    {
      from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kiln-deploy" } } }],
      ports: [{ protocol: "TCP", port: 8083 }],
    },
  ];
  return { cluster: example.cluster, objects };
}
