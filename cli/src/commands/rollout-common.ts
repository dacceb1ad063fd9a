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
import { type CommandIO, interactive } from "../io.js";

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
  const client = new KubeClient(loaded.kc, { context: loaded.context, server: loaded.server }, io.signal);
  return { objects, inventory, client, namespace: loaded.namespace };
}

/**
 * Progress on stderr. Plain lines when not on a terminal (CI=true, pipes):
 * one per step. On a terminal, steps still print as lines, and while waiting
 * one redrawn status line shows how many resources are ready and the latest
 * state of the one that changed last.
 */
export function progressLines(io: CommandIO): (e: RolloutEvent) => void {
  const tty = interactive(io);
  const states = new Map<string, string>();
  let status = false;
  const clear = () => {
    if (status) io.stderr.write("\r\x1b[2K");
    status = false;
  };
  return (e) => {
    const tag = e.phase === "warning" ? "warning" : e.phase;
    if (!tty || e.phase !== "wait" || !e.object) {
      clear();
      io.stderr.write(`${tag}: ${e.message}\n`);
      return;
    }
    states.set(e.object, e.message);
    const ready = [...states.values()].filter((m) => m.endsWith(": Ready")).length;
    const width = 20;
    const filled = Math.round((ready / states.size) * width);
    const line = `[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${ready}/${states.size} ready  ${e.message}`;
    const columns = (io.stderr as { columns?: number }).columns ?? 120;
    io.stderr.write(`\r\x1b[2K${line.slice(0, columns - 1)}`);
    status = true;
  };
}
