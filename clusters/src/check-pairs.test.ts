import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkClusterPairs } from "./check-pairs.js";
import { EXAMPLES_DIR, loadCluster } from "./testing/examples.js";

const load = (file: string, edit: (text: string) => string = (t) => t) =>
  loadCluster(edit(readFileSync(join(EXAMPLES_DIR, file), "utf8")), file);

describe("checkClusterPairs", () => {
  it.each([
    ["dr-active-active/west.yaml", "dr-active-active/east.yaml"],
    ["dr-active-passive/primary.yaml", "dr-active-passive/backup.yaml"],
  ])("finds %s and %s consistent", (a, b) => {
    expect(checkClusterPairs([load(a), load(b)])).toStrictEqual([]);
  });

  it("reports a peer host missing from the peer listener's certificate names, at the dialing side", () => {
    const east = load("dr-active-active/east.yaml", (t) => t.replace(/ {4}alternativeNames: .*\n/, ""));
    expect(checkClusterPairs([load("dr-active-active/west.yaml"), east])).toStrictEqual([
      {
        severity: "error",
        code: "cluster-dr-peer-listener",
        message:
          "events-east-peering.internal.example.com is not a name of events-east's listener peering: its certificate would fail TLS hostname verification; add it to that listener's alternativeNames in dr-active-active/east.yaml",
        location: {
          file: "dr-active-active/west.yaml",
          line: expect.any(Number),
          column: expect.any(Number),
          path: "disasterRecovery.peer.bootstrapServers",
        },
      },
    ]);
  });

  it("reports a flow authenticating differently from the peer listener", () => {
    const west = load("dr-active-active/west.yaml", (t) =>
      t.replace(
        "    authentication: scram-sha-512\n  topicsPattern",
        "    authentication: tls\n  topicsPattern",
      ),
    );
    expect(checkClusterPairs([west, load("dr-active-active/east.yaml")]).map((d) => d.message)).toStrictEqual(
      [
        "MirrorMaker 2 authenticates to events-east with tls, but its listener peering (port 9094) uses scram-sha-512",
      ],
    );
  });
});
