import type { Ctx } from "./context.js";
import { flowNames, isTarget } from "./mirrormaker2.js";

/** The DR runbook for this cluster's side of the pair (markdown), or undefined without DR. */
export function renderRunbook(ctx: Ctx): string | undefined {
  const dr = ctx.cluster.disasterRecovery;
  if (!dr) return undefined;
  const self = ctx.name;
  const peer = dr.peer.name;
  const ns = ctx.namespace;
  const peerNs = dr.peer.namespace ?? ns;
  const inbound = flowNames(peer, self);
  const outbound = flowNames(self, peer);
  const identity = dr.replicationPolicy === "identity";
  const remote = (t: string, from: string) => (identity ? t : `${from}.${t}`);
  const lines: string[] = [
    `# Disaster recovery runbook: ${self} ⇄ ${peer}`,
    "",
    `Mode: **${dr.mode}**${dr.mode === "active-passive" ? ` — this cluster is the **${dr.role ?? "primary"}**` : ""}.`,
    `Replication policy: **${dr.replicationPolicy ?? "default"}** (${identity ? "remote topics keep their names" : `topics from ${peer} appear here as \`${peer}.<topic>\``}).`,
    `Topics: \`${dr.topicsPattern ?? ".*"}\`; consumer groups: \`${dr.groupsPattern ?? ".*"}\`; checkpoints every ${dr.checkpointIntervalSeconds ?? 60}s with consumer-group offset sync ${dr.syncGroupOffsets === false ? "**off**" : "on"}.`,
    "",
    "## Before the first deployment",
    "",
  ];
  if (isTarget(dr)) {
    lines.push(
      `1. Copy the Secret \`${peer}-cluster-ca-cert\` (key \`ca.crt\`) from namespace \`${peerNs}\` on ${peer} into \`${ns}\` here${dr.peer.trustedCertificates ? ` as \`${dr.peer.trustedCertificates.secretName}\`` : ""}: MirrorMaker 2 trusts ${peer}'s brokers with it.`,
      `2. Copy the Secret \`${inbound.sourceUser}\` (the read-only user rendered on ${peer}) from \`${peerNs}\` on ${peer} into \`${ns}\` here. Keep both copies in sync when the User Operator renews certificates or passwords (a secret-sync tool, or this step in your pipeline).`,
      `3. Apply this directory; KafkaMirrorMaker2 \`${inbound.mirrorMaker}\` replicates ${peer} → ${self}.`,
    );
  } else {
    lines.push(
      `1. Apply this directory: it creates the read-only user \`${outbound.sourceUser}\` that ${peer}'s MirrorMaker 2 uses here.`,
    );
  }
  lines.push("", "## Failover (this cluster takes over)", "");
  if (isTarget(dr)) {
    // Each step's commands for both deployments: Strimzi's KafkaMirrorMaker2, and the same
    // connectors on a plain Connect cluster (`kiln mirror-connectors`); the DR suite runs the kiln ones.
    const kiln = (cmds: string[]) => ["   ```sh", ...cmds.map((c) => `   ${c}`), "   ```"];
    lines.push(
      `1. Confirm ${peer} is really unavailable (or stop its producers): writing on both sides of an active-passive pair splits the data.`,
      `2. Check replication has caught up as far as possible: the **MirrorMaker 2 ${peer} to ${self}** dashboard (replication latency, record age) and \`kubectl -n ${ns} get kafkamirrormaker2 ${inbound.mirrorMaker}\`; with plain connectors, every MirrorMaker 2 connector and task of the flow:`,
      ...kiln([`kiln connectors status --dir <connectors-dir> --cluster <connect-cluster>`]),
      `3. Consumers: with offset sync on, groups matching \`${dr.groupsPattern ?? ".*"}\` already have translated offsets here. Point them at ${self} and subscribe to \`${remote("<topic>", peer)}\`${identity ? "" : ` (or to both \`<topic>\` and \`${peer}.<topic>\` with a pattern)`}.`,
      `4. Producers: point them at ${self}'s bootstrap address; they write \`<topic>\` here, so it must exist here first (declare it as a KafkaTopic: kiln renders brokers with topic auto-creation off).`,
      ...(dr.mode === "active-passive"
        ? [
            `5. Pause replication from the failed primary, so a half-recovered ${peer} cannot overwrite offsets: \`kubectl -n ${ns} annotate kafkamirrormaker2 ${inbound.mirrorMaker} strimzi.io/pause-reconciliation=true\` and scale it to 0; with plain connectors, stop them (their offsets are kept for the failback), repeating any \`--override\` the connectors were deployed with: without it their configs change, and the apply restarts each one against the lost cluster before stopping it, waiting out its calls there:`,
            ...kiln([
              `kiln mirror-connectors <cluster-file> --connect-cluster <connect-cluster> --out <connectors-dir> --state stopped`,
              `kiln connectors apply --dir <connectors-dir> --cluster <connect-cluster> --wait`,
            ]),
          ]
        : [
            `5. Nothing to pause: in active-active each side keeps its own topics; ${peer}'s MirrorMaker 2 resumes when it recovers.`,
          ]),
    );
  } else {
    lines.push(`This cluster is the primary: it does not take over from ${peer}. See ${peer}'s runbook.`);
  }
  lines.push("", "## Failback", "");
  if (dr.mode === "active-passive") {
    lines.push(
      `1. Bring ${isTarget(dr) ? peer : self} back empty or as it was; do not let clients write to it yet.`,
      `2. Reverse the pair: set \`disasterRecovery.role\` to \`primary\` on the cluster that served during the outage and \`backup\` on the other, render and apply both; MirrorMaker 2 now copies the data written during the outage back.`,
      "3. When replication latency is near zero, stop producers, wait for the last records to replicate, move consumers (offsets are synced) and producers back, then swap the roles again.",
    );
  } else {
    lines.push(
      `1. When ${peer} is back, its MirrorMaker 2 replicates what ${self} received during the outage (\`${self}.<topic>\` on ${peer}).`,
      "2. Move clients back once replication latency is near zero; synced offsets let consumers resume where they stopped.",
    );
  }
  lines.push(
    "",
    "## What is not replicated",
    "",
    "- ACLs (`sync.topic.acls.enabled: false`): users and ACLs are rendered by kiln on each side.",
    "- Consumer offsets of groups outside the groups pattern, and transactional state.",
    "- Heartbeats: Strimzi 1.x has no heartbeat connector; watch replication latency instead.",
    "",
  );
  return `${lines.join("\n")}`;
}
