import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { LineCounter, parseAllDocuments, parseDocument } from "yaml";
import { ManifestError } from "./errors.js";
import type { KubeObject } from "./objects.js";

/** A rendered object and where it was read from. */
export interface SourcedObject {
  object: KubeObject;
  file: string;
  line: number;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else if (/\.(ya?ml|json)$/.test(e.name)) out.push(p);
  }
  return out;
}

const KUSTOMIZE_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
/** The only kustomization field kiln follows; anything that transforms objects needs `kustomize build`. */
const KUSTOMIZE_PLAIN = new Set(["apiVersion", "kind", "resources"]);

/**
 * A directory with a kustomization (what `kiln render --out` writes) holds
 * exactly its `resources`; other files there (a runbook, example configs) are
 * not objects to apply. Returns undefined when there is no kustomization.
 */
async function kustomizationFiles(dir: string, shown: string): Promise<string[] | undefined> {
  for (const name of KUSTOMIZE_FILES) {
    const text = await readFile(join(dir, name), "utf8").catch(() => undefined);
    if (text === undefined) continue;
    const k = (parseDocument(text).toJS() ?? {}) as { resources?: unknown };
    const extra = Object.keys(k).filter((key) => !KUSTOMIZE_PLAIN.has(key));
    if (extra.length > 0)
      throw new ManifestError(
        `the kustomization uses ${extra.join(", ")}, which kiln does not apply; run \`kustomize build\` and pass its output`,
        { location: { file: join(shown, name) } },
      );
    const out: string[] = [];
    for (const r of Array.isArray(k.resources) ? k.resources : []) {
      if (typeof r !== "string" || r.includes("://"))
        throw new ManifestError(`kustomization resource ${String(r)} is not a local path`, {
          location: { file: join(shown, name), path: "resources" },
        });
      const abs = resolve(dir, r);
      const info = await stat(abs).catch(() => undefined);
      if (!info)
        throw new ManifestError(`kustomization resource ${r} does not exist`, {
          location: { file: join(shown, name) },
        });
      out.push(
        ...(info.isDirectory()
          ? ((await kustomizationFiles(abs, join(shown, r))) ?? (await listFiles(abs)))
          : [abs]),
      );
    }
    return out;
  }
  return undefined;
}

/** Parses the objects of one YAML (or JSON) text; `List` kinds are flattened. */
export function parseManifests(text: string, file: string): SourcedObject[] {
  const lc = new LineCounter();
  const out: SourcedObject[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter: lc })) {
    const line = lc.linePos(doc.range[0]).line;
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      throw new ManifestError(`not valid YAML: ${e?.message.split("\n")[0]}`, {
        location: { file, line: e?.linePos?.[0].line ?? line },
      });
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const items =
      isObject(value) && value.kind === "List" && Array.isArray(value.items) ? value.items : [value];
    for (const item of items) {
      // `kiln render --out` writes a kustomization.yaml beside the objects: a build file, not an object.
      if (
        isObject(item) &&
        typeof item.apiVersion === "string" &&
        item.apiVersion.startsWith("kustomize.config.k8s.io/")
      )
        continue;
      if (!isObject(item) || typeof item.apiVersion !== "string" || typeof item.kind !== "string")
        throw new ManifestError("not a Kubernetes object (apiVersion and kind are required)", {
          location: { file, line },
        });
      const meta = item.metadata as { name?: unknown } | undefined;
      if (!isObject(meta) || typeof meta.name !== "string" || meta.name === "")
        throw new ManifestError(`${item.kind} has no metadata.name`, {
          location: { file, line, path: "metadata.name" },
        });
      out.push({ object: item as KubeObject, file, line });
    }
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Reads rendered manifests from files and directories (recursively, sorted; what `kiln render --out` writes). */
export async function readManifests(paths: string[], cwd = process.cwd()): Promise<SourcedObject[]> {
  const out: SourcedObject[] = [];
  for (const p of paths) {
    const abs = resolve(cwd, p);
    const info = await stat(abs).catch(() => undefined);
    if (!info) throw new ManifestError("no such file or directory", { location: { file: p } });
    const files = info.isDirectory() ? ((await kustomizationFiles(abs, p)) ?? (await listFiles(abs))) : [abs];
    for (const f of files) out.push(...parseManifests(await readFile(f, "utf8"), relative(cwd, f) || f));
  }
  if (out.length === 0) throw new ManifestError(`no Kubernetes objects found in ${paths.join(", ")}`);
  return out;
}
