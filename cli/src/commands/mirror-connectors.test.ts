import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSpec } from "@kiln/schemas";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../testing/run-cli.js";

const examples = new URL("../../../examples/", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "kiln-mirror-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("kiln mirror-connectors", () => {
  it("writes the backup's MirrorMaker 2 connectors as valid Connector files, with the given connections", async () => {
    const out = join(tmp, "backup");
    const r = await runCli([
      "mirror-connectors",
      join(examples, "dr-active-passive/backup.yaml"),
      "--connect-cluster",
      "mm2",
      "--out",
      out,
      "--connection",
      "payments-weu=weu.example.com:9094",
      "--client",
      "payments-weu:security.protocol=SSL",
      "--override",
      "source:offset.lag.max=50",
      "--heartbeats",
      "--json",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const flow = "payments-weu-to-payments-neu";
    expect(JSON.parse(r.stdout).connectors).toEqual([
      `${flow}.MirrorSourceConnector`,
      `${flow}.MirrorCheckpointConnector`,
      `${flow}.MirrorHeartbeatConnector`,
    ]);
    expect(readdirSync(out).sort()).toEqual([
      `${flow}.MirrorCheckpointConnector.yaml`,
      `${flow}.MirrorHeartbeatConnector.yaml`,
      `${flow}.MirrorSourceConnector.yaml`,
    ]);
    const file = join(out, `${flow}.MirrorSourceConnector.yaml`);
    const doc = loadSpec(readFileSync(file, "utf8"), file, "Connector").value as {
      config: Record<string, string>;
    };
    expect(doc.config["source.cluster.bootstrap.servers"]).toBe("weu.example.com:9094");
    expect(doc.config["source.cluster.security.protocol"]).toBe("SSL");
    expect(doc.config["offset.lag.max"]).toBe("50");
    // The target keeps the resource's in-cluster address and certificate placeholders.
    expect(doc.config["target.cluster.bootstrap.servers"]).toBe(
      "payments-neu-kafka-tls-bootstrap.kafka.svc:9093",
    );
    expect(doc.config["target.cluster.ssl.keystore.key"]).toMatch(/^\$\{secrets:kafka\//);
  });

  it.each([
    [["dr-active-passive/primary.yaml"], /runs no MirrorMaker 2/],
    [["dr-active-passive/backup.yaml", "--connection", "nope=x:1"], /not a cluster of this flow/],
    [["dr-active-passive/backup.yaml", "--client", "payments-weu:a=b"], /--connection payments-weu=/],
    [
      ["dr-active-passive/backup.yaml", "--connection", "payments-weu=weu.example.com"],
      /the bootstrap servers must be host:port/,
    ],
    [
      [
        "dr-active-passive/backup.yaml",
        "--connection",
        "payments-weu=[fd00::1]:9094",
        "--client",
        'payments-weu:sasl.jaas.config=x password="hunter2";',
      ],
      /--client sasl\.jaas\.config: the value is a literal secret/,
    ],
  ])("refuses %j", async (args, message) => {
    const [file, ...rest] = args as [string, ...string[]];
    const r = await runCli([
      "mirror-connectors",
      join(examples, file),
      "--connect-cluster",
      "mm2",
      "--out",
      join(tmp, "x"),
      ...rest,
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain("hunter2");
  });

  it("takes an IPv6 bootstrap address", async () => {
    const out = join(tmp, "v6");
    const r = await runCli([
      "mirror-connectors",
      join(examples, "dr-active-passive/backup.yaml"),
      "--connect-cluster",
      "mm2",
      "--out",
      out,
      "--connection",
      "payments-weu=[fd00::1]:9094,[fd00::2]:9094",
    ]);
    expect(r.code).toBe(0);
    const text = readFileSync(join(out, "payments-weu-to-payments-neu.MirrorSourceConnector.yaml"), "utf8");
    expect(text).toContain("[fd00::1]:9094,[fd00::2]:9094");
  });
});
