// Turns rendered objects into files: one YAML document per object, grouped by
// component, keys in a fixed order, plus a kustomization.yaml. Pure and
// deterministic: the same objects give byte-identical files.
import { stringify } from "yaml";
import type { RenderResult } from "./render/index.js";

const FIRST = [
  "apiVersion",
  "kind",
  "metadata",
  "name",
  "namespace",
  "labels",
  "annotations",
  "spec",
  "data",
];

function rank(k: string): number {
  const i = FIRST.indexOf(k);
  return i === -1 ? FIRST.length : i;
}

/** Deep copy with map keys ordered: Kubernetes' usual keys first, the rest alphabetically. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}

export function toYaml(value: unknown): string {
  return stringify(canonical(value), { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}

/** Relative path → file content, sorted by path. */
export function toFiles(result: RenderResult): Record<string, string> {
  const files = new Map<string, string>();
  for (const { component, object } of result.items) {
    const path = `${component}/${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
    if (files.has(path)) throw new Error(`two objects render to ${path}`);
    files.set(path, toYaml(object));
  }
  const resources = [...files.keys()].sort();
  files.set(
    "kustomization.yaml",
    toYaml({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources }),
  );
  for (const [path, text] of Object.entries(result.documents)) files.set(path, text);
  return Object.fromEntries([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
