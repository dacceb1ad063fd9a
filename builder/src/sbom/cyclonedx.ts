import { createHash } from "node:crypto";
import type { ResolvedFile } from "../layer/source.js";
import type { Digest } from "../model/digest.js";
import { PLUGINS_ROOT, type PluginLayer } from "../mutate/plugins.js";

/** A CycloneDX 1.6 document (the subset kiln writes). */
export interface CycloneDx {
  bomFormat: "CycloneDX";
  specVersion: "1.6";
  serialNumber: string;
  version: 1;
  metadata: Record<string, unknown>;
  components: Array<Record<string, unknown>>;
  dependencies: Array<{ ref: string; dependsOn: string[] }>;
}

/** `debezium-core-3.3.1.Final.jar` → name and version, when the lock does not say. */
export function jarCoordinates(path: string): { name: string; version?: string } {
  const file = path.split("/").pop() ?? path;
  const m = /^(.+?)-(\d[\w.+-]*)\.(jar|zip)$/.exec(file);
  return m ? { name: m[1] as string, version: m[2] as string } : { name: file.replace(/\.(jar|zip)$/, "") };
}

function licenses(l: string | undefined): Array<Record<string, unknown>> | undefined {
  if (!l) return undefined;
  if (/\s(AND|OR|WITH)\s/.test(l)) return [{ expression: l }];
  if (/^[A-Za-z0-9.+-]+$/.test(l)) return [{ license: { id: l } }];
  return [{ license: { name: l } }];
}

/** A UUID derived from the image digest, so the same image always gets the same document. */
function serialFor(digest: string): string {
  const h = createHash("sha256").update(`kiln-sbom:${digest}`).digest("hex");
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h[16] as string, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The SBOM of a baked image: one component per plugin, each with one
 * component per file (name, version, licence, sha256, sha512, source URL,
 * path in the image). Deterministic: the timestamp is the build epoch. Reads no
 * file: the digests are the lock's or the digest cache's, as the layers were made
 * from them (a file known by its sha256 alone lists only that).
 */
export function generateSbom(opts: {
  image: { name: string; digest: Digest };
  plugins: PluginLayer[];
  epoch: number;
  root?: string;
}): CycloneDx {
  const root = opts.root ?? `/${PLUGINS_ROOT}`;
  const components: Array<Record<string, unknown>> = [];
  const dependencies: CycloneDx["dependencies"] = [];
  for (const pl of [...opts.plugins].sort((a, b) => (a.plugin.name < b.plugin.name ? -1 : 1))) {
    const pref = `plugin:${pl.plugin.name}@${pl.plugin.version}`;
    const files: Array<Record<string, unknown>> = [];
    for (const f of pl.files as ResolvedFile[]) {
      const coords = f.name
        ? { name: f.name, ...(f.version ? { version: f.version } : {}) }
        : jarCoordinates(f.path);
      const lic = licenses(f.license ?? pl.plugin.license);
      const ref = `${pref}/${f.path}`;
      files.push({
        type: "library",
        "bom-ref": ref,
        ...coords,
        hashes: [
          { alg: "SHA-256", content: f.sha256 },
          ...(f.sha512 ? [{ alg: "SHA-512", content: f.sha512 }] : []),
        ],
        ...(lic ? { licenses: lic } : {}),
        ...(f.url ? { externalReferences: [{ type: "distribution", url: f.url }] } : {}),
        properties: [{ name: "kiln:path", value: `${root}/${pl.plugin.name}/${f.path}` }],
      });
    }
    const lic = licenses(pl.plugin.license);
    components.push({
      type: "application",
      "bom-ref": pref,
      name: pl.plugin.name,
      version: pl.plugin.version,
      ...(lic ? { licenses: lic } : {}),
      ...(pl.plugin.source ? { externalReferences: [{ type: "distribution", url: pl.plugin.source }] } : {}),
      properties: [{ name: "kiln:layer", value: pl.layer.descriptor.digest }],
      components: files,
    });
    dependencies.push({ ref: pref, dependsOn: files.map((c) => c["bom-ref"] as string) });
  }
  const imageRef = `image:${opts.image.digest}`;
  dependencies.unshift({ ref: imageRef, dependsOn: components.map((c) => c["bom-ref"] as string) });
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    serialNumber: serialFor(opts.image.digest),
    version: 1,
    metadata: {
      timestamp: new Date(opts.epoch * 1000).toISOString().replace(".000Z", "Z"),
      tools: { components: [{ type: "application", name: "kiln", version: "0.1.0" }] },
      component: {
        type: "container",
        "bom-ref": imageRef,
        name: opts.image.name,
        version: opts.image.digest,
      },
    },
    components,
    dependencies,
  };
}
