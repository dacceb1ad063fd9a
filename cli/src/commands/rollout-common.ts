import {
  INVENTORY_LABEL,
  isValidInventory,
  KubeClient,
  type KubeObject,
  loadKubeconfig,
  type RolloutEvent,
  readManifests,
} from "@kiln/clusters/rollout";
import { UsageError } from "../exit.js";
import type { CommandIO } from "../io.js";

export interface KubeOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  inventory?: string;
  json?: boolean;
}

/**
 * The inventory a set of rendered objects belongs to: --inventory, else the
 * label the renderer put on all of them, else the name of their one Kafka.
 */
export function inventoryOf(objects: KubeObject[], given?: string): string {
  let id = given;
  if (!id) {
    const labels = new Set(objects.map((o) => o.metadata.labels?.[INVENTORY_LABEL]));
    const [only] = labels;
    if (labels.size === 1 && only) id = only;
  }
  if (!id) {
    const kafkas = objects.filter((o) => o.kind === "Kafka");
    if (kafkas.length === 1) id = kafkas[0]?.metadata.name;
  }
  if (!id)
    throw new UsageError(
      "cannot tell which cluster definition these objects belong to; pass --inventory <cluster name>",
    );
  if (!isValidInventory(id))
    throw new UsageError(
      `--inventory "${id}" is not a valid label value (at most 63 letters, digits, - _ .)`,
    );
  return id;
}

/** Reads the rendered manifests and connects to the cluster of the kubeconfig/context. */
export async function prepare(io: CommandIO, paths: string[], opts: KubeOptions) {
  const cwd = io.cwd ?? process.cwd();
  const sourced = await readManifests(paths, cwd);
  const objects = sourced.map((s) => s.object);
  const inventory = inventoryOf(objects, opts.inventory);
  const loaded = loadKubeconfig({
    ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
    ...(opts.context ? { context: opts.context } : {}),
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
    env: io.env,
  });
  const client = new KubeClient(loaded.kc, { context: loaded.context, server: loaded.server });
  return { objects, inventory, client, namespace: loaded.namespace };
}

/** Progress as plain lines on stderr (one per step; CI logs read well). */
export function progressLines(io: CommandIO): (e: RolloutEvent) => void {
  return (e) => {
    const tag = e.phase === "warning" ? "warning" : e.phase;
    io.stderr.write(`${tag}: ${e.message}\n`);
  };
}
