// Checks across the Cluster files of a DR pair: what one side's MirrorMaker 2 dials must be a
// listener of the other side whose certificate covers the name and whose authentication the
// flow uses. Pure; findings point at the dialing side's `disasterRecovery.peer`.
import {
  type Cluster,
  type Diagnostic,
  formatPath,
  type PathSegment,
  type SourceDocument,
} from "@kiln/schemas";
import { RenderError } from "./render/context.js";
import { renderCluster } from "./render/index.js";
import { type Environment, listenerAddresses, nodeRefs } from "./strimzi/topology.js";
import type { Kafka, KafkaNodePool } from "./wire/strimzi.js";

/** Load balancer and route addresses are unknown before the cloud assigns them: only alternative names can match. */
const UNASSIGNED: Environment = {
  loadBalancerAddress: () => "",
  nodeAddress: () => "",
  routeHost: () => "",
};

export function checkClusterPairs(files: { cluster: Cluster; source: SourceDocument }[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byName = new Map(files.map((f) => [f.cluster.name, f]));
  for (const { cluster, source } of files) {
    const dr = cluster.disasterRecovery;
    const peer = dr && dr.peer.name !== cluster.name ? byName.get(dr.peer.name) : undefined;
    if (!dr || !peer) continue;
    const report = (path: PathSegment[], message: string) => {
      const pos = source.locate(path);
      out.push({
        severity: "error",
        code: "cluster-dr-peer-listener",
        message,
        location: { file: source.file, line: pos.line, column: pos.column, path: formatPath(path) },
      });
    };
    let objects: ReturnType<typeof renderCluster>["items"][number]["object"][];
    try {
      objects = renderCluster(peer.cluster).items.map((i) => i.object);
    } catch (err) {
      if (err instanceof RenderError) continue; // the peer's own checks report why it does not render
      throw err;
    }
    const kafka = objects.find((o): o is Kafka => o.kind === "Kafka");
    const pools = objects.filter((o): o is KafkaNodePool => o.kind === "KafkaNodePool");
    if (!kafka) continue;
    const listeners = listenerAddresses(kafka, nodeRefs(kafka.metadata.name, pools), UNASSIGNED);
    const wanted = dr.peer.authentication ?? "tls";
    for (const address of dr.peer.bootstrapServers.split(",").map((a) => a.trim())) {
      const m = /^(.*):(\d+)$/.exec(address);
      if (!m) continue; // the schema reports malformed addresses
      const [, host, port] = m;
      const at: PathSegment[] = ["disasterRecovery", "peer", "bootstrapServers"];
      const l = listeners.find((a) => a.listener.port === Number(port));
      if (!l) {
        report(at, `${peer.source.file} has no listener on port ${port}, which ${address} dials`);
        continue;
      }
      const name = l.listener.name;
      if (!l.bootstrapHosts.includes(host ?? ""))
        report(
          at,
          `${host} is not a name of ${peer.cluster.name}'s listener ${name}: its certificate would fail TLS hostname verification; add it to that listener's alternativeNames in ${peer.source.file}`,
        );
      const auth = l.listener.authentication;
      const accepts =
        auth?.type === "tls" ? "tls" : auth?.type === "scram-sha-512" ? "scram-sha-512" : auth?.type;
      if (accepts !== wanted)
        report(
          ["disasterRecovery", "peer", ...(dr.peer.authentication ? ["authentication"] : [])],
          `MirrorMaker 2 authenticates to ${peer.cluster.name} with ${wanted}, but its listener ${name} (port ${port}) uses ${accepts ?? "no authentication"}`,
        );
    }
  }
  return out;
}
