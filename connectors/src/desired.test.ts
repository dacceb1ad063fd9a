import type { Connector } from "@kiln/schemas";
import { describe, expect, it } from "vitest";
import { diffConfig, normalizeValue, resolveConnector } from "./desired.js";

const base: Connector = {
  apiVersion: "kiln.dev/v1",
  kind: "Connector",
  name: "orders-sink",
  connectCluster: "main",
  plugin: { name: "kafka-file", class: "org.apache.kafka.connect.file.FileStreamSinkConnector" },
  tasksMax: 1,
  config: { topics: "orders", file: "/data/orders.txt", "batch.size": 100, "errors.tolerance": "none" },
  environments: {
    prod: {
      tasksMax: 3,
      state: "paused",
      connectCluster: "prod",
      config: { file: "/prod/orders.txt", "errors.tolerance": null, extra: true },
    },
  },
};

describe("resolveConnector", () => {
  it("stringifies values and adds connector.class and tasks.max", () => {
    expect(resolveConnector(base)).toStrictEqual({
      name: "orders-sink",
      cluster: "main",
      state: "running",
      connectorClass: "org.apache.kafka.connect.file.FileStreamSinkConnector",
      plugin: { name: "kafka-file" },
      config: {
        topics: "orders",
        file: "/data/orders.txt",
        "batch.size": "100",
        "errors.tolerance": "none",
        "tasks.max": "1",
        "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      },
      location: {},
    });
  });

  it("applies the environment overlay: overrides, removals (null), state, cluster", () => {
    const d = resolveConnector(base, { env: "prod" });
    expect(d.cluster).toBe("prod");
    expect(d.state).toBe("paused");
    expect(d.config).toStrictEqual({
      topics: "orders",
      file: "/prod/orders.txt",
      "batch.size": "100",
      extra: "true",
      "tasks.max": "3",
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
    });
  });

  it("an unknown environment leaves the base as is", () => {
    expect(resolveConnector(base, { env: "staging" }).config.file).toBe("/data/orders.txt");
  });

  it.each([
    [{ ...base, config: { ...base.config, "tasks.max": "2" } }, /disagree/],
    [{ ...base, plugin: { name: "x", class: "A" }, config: { "connector.class": "B" } }, /disagree/],
    [{ ...base, plugin: { name: "not-in-catalog" } }, /not in the catalog/],
  ])("rejects contradictory or incomplete definitions (%#)", (doc, message) => {
    expect(() => resolveConnector(doc as Connector)).toThrow(message);
  });

  it("takes the class from the catalog entry and checks its version range", () => {
    const entry = {
      name: "file",
      version: "4.3.1",
      classes: [
        { class: "org.apache.kafka.connect.file.FileStreamSourceConnector", type: "source" },
        { class: "org.apache.kafka.connect.converters.ByteArrayConverter", type: "converter" },
      ],
    };
    const catalog = { get: (n: string) => (n === "file" ? (entry as never) : undefined) };
    const doc = { ...base, plugin: { name: "file", version: "^4.3.0" } };
    expect(resolveConnector(doc, { catalog }).connectorClass).toBe(
      "org.apache.kafka.connect.file.FileStreamSourceConnector",
    );
    expect(() => resolveConnector({ ...doc, plugin: { name: "file", version: "^3" } }, { catalog })).toThrow(
      /outside plugin.version/,
    );
  });
});

describe("config comparison as Connect stores it", () => {
  it.each([
    ["a,b", "a, b", true],
    [" a , b ", "a,b", true],
    ["x", " x", true],
    ["a,b", "b,a", false],
    ["1", "1.0", false],
  ])("%j vs %j equal: %s", (a, b, equal) => {
    expect(normalizeValue(a) === normalizeValue(b)).toBe(equal);
  });

  it("ignores name, reports added, removed and changed keys sorted", () => {
    expect(
      diffConfig(
        { name: "x", a: "1", b: "2", c: "x, y" },
        { name: "other", a: "1", b: "3", c: "x,y", d: "4" },
      ),
    ).toStrictEqual([
      { key: "b", before: "3", after: "2" },
      { key: "d", before: "4" },
    ]);
    expect(diffConfig({ a: "1" }, {})).toStrictEqual([{ key: "a", after: "1" }]);
  });
});
