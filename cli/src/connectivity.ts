import type { ConnectivityMatrix } from "@kiln/clusters";
import { formatTable } from "./table.js";

/** The connectivity matrix as `kiln render` prints it: one row per flow, then any notes. */
export function formatConnectivity(m: ConnectivityMatrix): string {
  const rows = m.flows.map((f) => [
    f.expect === "allow" ? "required" : "forbidden",
    f.from,
    f.to,
    String(f.port),
    f.actual === f.expect
      ? f.actual === "allow"
        ? "open"
        : "closed"
      : f.actual === "allow"
        ? "OPEN"
        : "BLOCKED",
    f.policies.join(",") || "-",
  ]);
  const ok = m.flows.filter((f) => f.actual === f.expect).length;
  return [
    `connectivity of ${m.namespace}/${m.cluster}: ${ok} of ${m.flows.length} flows as required, over ${m.policies.length} NetworkPolicies (${m.policies
      .map((p) => `${p.name} by ${p.writtenBy}`)
      .join(", ")})`,
    formatTable(["flow", "from", "to", "port", "result", "policies"], rows),
    ...m.notes.map((n) => `note: ${n}`),
  ].join("\n");
}
