import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConnectClient } from "@kiln/connectors";
import { runKiln } from "../harness/cli.js";
import { eventually as poll } from "../harness/eventually.js";

/**
 * Short MirrorMaker 2 intervals so a suite sees topics, checkpoints and offset syncs within
 * seconds. Shorter source admin timeouts too (the admin client's default is 60 s): once the source
 * is lost (failover), a connector's stop waits for its admin client's calls to the lost cluster to
 * give up; on a live cluster here each call answers within a second or two.
 */
const SOURCE_ADMIN = {
  "source.admin.request.timeout.ms": "10000",
  "source.admin.default.api.timeout.ms": "10000",
};
export const FAST_MM2 = {
  source: {
    "refresh.topics.interval.seconds": "2",
    "sync.topic.configs.interval.seconds": "2",
    ...SOURCE_ADMIN,
  },
  checkpoint: {
    "emit.checkpoints.interval.seconds": "1",
    "sync.group.offsets.interval.seconds": "1",
    "refresh.groups.interval.seconds": "2",
    ...SOURCE_ADMIN,
  },
};

/**
 * The `--override` flags of `kiln mirror-connectors` that set FAST_MM2. Every later
 * `kiln mirror-connectors` of a suite (the runbook's `--state stopped`) passes them too, as a
 * user who deployed with overrides would: without them the connectors' configs change, and
 * applying that restarts each connector against the lost source before stopping it, waiting out
 * its admin calls to that cluster twice.
 */
export const FAST_MM2_FLAGS = Object.entries(FAST_MM2).flatMap(([kind, s]) =>
  Object.entries(s).flatMap(([k, v]) => ["--override", `${kind}:${k}=${v}`]),
);

/** Runs the kiln CLI in-process in `cwd`; throws with its output unless it exits 0. */
export async function kiln(cwd: string, ...args: string[]): Promise<string> {
  const { code, stdout, stderr } = await runKiln(args, { cwd, env: process.env });
  if (code !== 0) throw new Error(`kiln ${args.join(" ")} exited ${code}:\n${stdout}${stderr}`);
  return stdout;
}

/** Connector states on a worker, for failure messages. */
export async function connectorStates(url: string): Promise<string> {
  const client = new ConnectClient({ urls: [url] });
  try {
    return JSON.stringify(await client.listExpanded(), null, 1).slice(0, 4000);
  } finally {
    await client.close();
  }
}

/** Polls `fn` until it returns a value (not undefined) or the deadline passes. */
export function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 90_000,
  intervalMs = 1000,
): Promise<T> {
  return poll(what, fn, { timeoutMs, intervalMs });
}

/**
 * Deploys a replication target's MirrorMaker 2 connectors as a user without Strimzi's operator
 * does: `kiln mirror-connectors <cluster-file>` (the resource's own addresses, TLS and
 * credentials as \${secrets:…}, the test's short intervals) and `kiln connectors apply --wait` onto
 * the Connect cluster `kiln up` runs for the rendered KafkaMirrorMaker2 (`connectUrl`).
 */
export async function deployMirrorConnectors(opts: {
  dir: string;
  clusterFile: string;
  connectCluster: string;
  connectUrl: string;
  out: string;
}): Promise<void> {
  await mkdir(join(opts.dir, opts.out), { recursive: true });
  await writeFile(
    join(opts.dir, opts.out, "_target.yaml"),
    `apiVersion: kiln.dev/v1\nkind: ConnectTarget\nname: ${opts.connectCluster}\nurls: [${opts.connectUrl}]\n`,
  );
  await kiln(
    opts.dir,
    "mirror-connectors",
    opts.clusterFile,
    "--connect-cluster",
    opts.connectCluster,
    "--out",
    opts.out,
    ...FAST_MM2_FLAGS,
  );
  await kiln(opts.dir, "connectors", "apply", "--dir", opts.out, "--wait", "--wait-timeout", "120");
}
