import {
  bake,
  descriptorOf,
  headManifest,
  parseReference,
  type RegistryClient,
  recipeFromEnv,
} from "@kiln/builder";
import {
  type Catalog,
  inspectPlugin,
  type Lockfile,
  lockProblems,
  type ResolvedPlugin,
  resolvePlugins,
} from "@kiln/catalog";
import type { Matrix } from "@kiln/conformance";
import { proveEntries } from "../conformance.js";
import { pluginArtifact } from "../plugin-image.js";
import { pluginSources } from "../plugin-sources.js";
import { imageStore } from "../registry.js";
import type { PrCheck } from "./summary.js";

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
const reason = (err: unknown) => (err as Error).message.split("\n")[0] ?? String(err);

/**
 * The checks a changed entry gets beyond validation: pinned by the lock,
 * resolved with every checksum verified, its jars inspected for the declared
 * classes, and its plugin image's digest predicted. Returns one PrCheck per
 * column, plus the resolved directory for conformance.
 */
export async function checkEntry(
  catalog: Catalog,
  lock: Lockfile | undefined,
  name: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<{ checks: PrCheck[]; resolved?: ResolvedPlugin }> {
  const entry = catalog.get(name);
  if (!entry) return { checks: [] };
  const checks: PrCheck[] = [];
  const problems = lock ? lockProblems(entry, lock.plugins[name]) : ["no kiln.lock.json"];
  checks.push(
    problems.length
      ? { name: "lock", status: "fail", detail: `${problems.join("; ")} (run kiln lock)` }
      : { name: "lock", status: "pass" },
  );
  if (problems.length || !lock) return { checks };

  let resolved: ResolvedPlugin;
  try {
    [resolved] = (await resolvePlugins(catalog, lock, [name], { env, ...(signal ? { signal } : {}) })) as [
      ResolvedPlugin,
    ];
    const bytes = resolved.files.reduce((n, f) => n + f.size, 0);
    checks.push({
      name: "resolve",
      status: "pass",
      detail: `${resolved.files.length} file${resolved.files.length === 1 ? "" : "s"}, ${mib(bytes)}, sha512 verified`,
    });
  } catch (err) {
    checks.push({ name: "resolve", status: "fail", detail: reason(err) });
    return { checks };
  }

  const report = await inspectPlugin(entry, resolved.dir);
  checks.push(
    report.errors.length
      ? { name: "inspect", status: "fail", detail: report.errors.join("; ") }
      : {
          name: "inspect",
          status: "pass",
          detail: `${report.declared.length} class${report.declared.length === 1 ? "" : "es"} found${report.serviceLoad ? ", service_load ready" : ", needs plugin scanning"}`,
        },
  );

  const { artifact } = await pluginArtifact(
    { name, version: resolved.version, dir: resolved.dir },
    imageStore(env),
    recipeFromEnv(env),
  );
  const digest = descriptorOf(artifact).digest;
  checks.push({ name: "plugin image", status: "pass", detail: digest.slice(0, 19) });
  return { checks, resolved };
}

/** Conformance of the changed entries only, on real Connect workers. */
export function conformanceOf(
  catalog: Catalog,
  resolved: ResolvedPlugin[],
  kafkaVersions: string[],
  onProgress: (line: string) => void,
  signal?: AbortSignal,
): Promise<Matrix> {
  return proveEntries(catalog, resolved, { kafkaVersions, onProgress, ...(signal ? { signal } : {}) });
}

/**
 * The digest a Connect image would get, computed by baking it as `kiln bake` does, without
 * pushing; undefined (with the reason) when its base image cannot be reached.
 */
export async function predictImage(
  client: RegistryClient,
  catalog: Catalog,
  lock: Lockfile,
  image: { base: string; plugins: string[] },
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<{ digest?: string; note?: string }> {
  try {
    const ref = parseReference(image.base);
    const found = await headManifest(client, ref).catch((err: Error) => err);
    if (!found || found instanceof Error) return { note: `base ${image.base} not reachable` };
    const baked = await bake(client, imageStore(env), {
      base: image.base,
      plugins: await pluginSources(catalog, lock, image.plugins, { env, ...(signal ? { signal } : {}) }),
      recipe: recipeFromEnv(env),
    });
    return { digest: descriptorOf(baked.artifact).digest };
  } catch (err) {
    return { note: reason(err) };
  }
}
