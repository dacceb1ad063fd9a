import { describe, expect, it } from "vitest";
import { checkPlugins, supportsPluginVersion, type WorkerInventory } from "./checks.js";
import type { DesiredConnector } from "./desired.js";

const cls = "io.debezium.connector.postgresql.PostgresConnector";
const d = (config: Record<string, string> = {}, version?: string): DesiredConnector => ({
  name: "pg",
  cluster: "c",
  state: "running",
  connectorClass: cls,
  plugin: { name: "debezium-postgres", ...(version ? { version } : {}) },
  config: { "connector.class": cls, ...config },
  location: { file: "pg.yaml" },
});
const worker = (url: string, kafka: string, versions: string[]): WorkerInventory => ({
  url,
  version: kafka,
  plugins: versions.map((v) => ({ class: cls, type: "source", version: v })),
});

describe("checkPlugins (every worker)", () => {
  it.each([
    [
      "installed everywhere",
      d(),
      [worker("w1", "4.3.1", ["3.3.1.Final"]), worker("w2", "4.3.1", ["3.3.1.Final"])],
      [],
    ],
    [
      "missing on one worker",
      d(),
      [worker("w1", "4.3.1", ["3.3.1.Final"]), worker("w2", "4.3.1", [])],
      ["plugin-missing"],
    ],
    ["range satisfied", d({}, "^3.3"), [worker("w1", "4.3.1", ["3.3.1.Final"])], []],
    [
      "range not satisfied on one",
      d({}, "^3.3"),
      [worker("w1", "4.3.1", ["3.3.1.Final"]), worker("w2", "4.3.1", ["3.2.0.Final"])],
      ["plugin-version-mismatch"],
    ],
    [
      "pinned version present (4.1+)",
      d({ "connector.plugin.version": "3.3.1.Final" }),
      [worker("w1", "4.1.0", ["3.2.0.Final", "3.3.1.Final"])],
      [],
    ],
    [
      "pinned version absent",
      d({ "connector.plugin.version": "3.4.0.Final" }),
      [worker("w1", "4.3.1", ["3.3.1.Final"])],
      ["plugin-version-missing"],
    ],
    [
      "pinned version on Kafka 4.0",
      d({ "connector.plugin.version": "3.3.1.Final" }),
      [worker("w1", "4.0.0", ["3.3.1.Final"])],
      ["plugin-version-unsupported"],
    ],
  ])("%s", (_, desired, workers, codes) => {
    const out = checkPlugins([desired], workers);
    expect(out.map((x) => x.code)).toStrictEqual(codes);
    for (const x of out) expect(x.location.file).toBe("pg.yaml");
  });

  it.each([
    ["4.0.1", false],
    ["4.1.0", true],
    ["4.3.1", true],
    ["3.9.0", false],
  ])("connector.plugin.version on Kafka %s: %s", (v, ok) => {
    expect(supportsPluginVersion(v)).toBe(ok);
  });
});
