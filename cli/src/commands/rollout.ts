import { rollout } from "@kiln/clusters/rollout";
import { EXIT_OK } from "../exit.js";
import { type CommandIO, writeLine } from "../io.js";
import { type KubeOptions, prepare, progressLines } from "./rollout-common.js";

interface Options extends KubeOptions {
  dryRun?: boolean;
  prune?: boolean;
  forceConflicts?: boolean;
  allowScaleDown?: boolean;
  wait?: boolean;
  /** Milliseconds: the whole rollout, readiness waits included. */
  timeout: number;
}

/** `kiln rollout <rendered dir>`: preflight, server-side apply, prune, wait for Strimzi to report Ready. */
export async function run(io: CommandIO, paths: string[], opts: Options): Promise<number> {
  const { objects, inventory, client, namespace } = await prepare(io, paths, opts);
  const result = await rollout(client, objects, {
    inventory,
    namespace,
    dryRun: Boolean(opts.dryRun),
    prune: Boolean(opts.prune),
    forceConflicts: Boolean(opts.forceConflicts),
    allowScaleDown: Boolean(opts.allowScaleDown),
    wait: opts.wait !== false,
    timeoutMs: opts.timeout,
    onEvent: progressLines(io),
  });
  if (opts.json) {
    writeLine(io.stdout, JSON.stringify({ inventory, ...result }, null, 2));
    return EXIT_OK;
  }
  const count = (a: string) => result.applied.filter((x) => x.action === a).length;
  const dry = result.dryRun ? " (server dry run: nothing was stored)" : "";
  writeLine(
    io.stdout,
    `${inventory}: ${count("created")} created, ${count("configured")} configured, ${count("unchanged")} unchanged, ${result.pruned.length} pruned${result.ready.length ? `, ${result.ready.length} ready` : ""}${dry}`,
  );
  if (result.prunable.length > 0)
    writeLine(
      io.stdout,
      `${result.prunable.length} object(s) no longer rendered; run with --prune to delete them`,
    );
  return EXIT_OK;
}
