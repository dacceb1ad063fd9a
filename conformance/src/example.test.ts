import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConnectorPlugin, DeadlineError, OperationTimeoutError } from "@kiln/schemas";
import { expect, test } from "vitest";
import { exampleConfig, exampleConnector, proposeExample } from "./example.js";
import type { ConformanceRuntime } from "./runtime.js";

test("exampleConfig: required keys with values of their type, secrets as placeholders, Connect's own keys left out", () => {
  const defs = [
    { name: "name", type: "STRING", required: true },
    { name: "connector.class", type: "STRING", required: true },
    { name: "database.hostname", type: "STRING", required: true },
    { name: "database.port", type: "INT", required: true },
    { name: "database.password", type: "PASSWORD", required: true },
    { name: "snapshot.mode", type: "STRING", required: false, default_value: "initial" },
    { name: "ssl.enabled", type: "BOOLEAN", required: true },
  ];
  expect(exampleConfig({ name: "db2" }, "source", defs)).toEqual({
    "database.hostname": "localhost",
    "database.password":
      "${file:/opt/kafka/external-configuration/db2/credentials.properties:database.password}",
    "database.port": "5432",
    "ssl.enabled": "false",
  });
  expect(exampleConfig({ name: "s" }, "sink", [])).toEqual({ topics: "example" });
});

test("exampleConnector: the connector named like the entry, else the first source", () => {
  const classes = [
    { class: "org.apache.camel.kafkaconnector.CamelSourceConnector", type: "source" as const },
    { class: "org.apache.camel.kafkaconnector.timer.CamelTimerSourceConnector", type: "source" as const },
    { class: "org.apache.camel.kafkaconnector.CamelSinkConnector", type: "sink" as const },
  ];
  expect(exampleConnector({ name: "camel-timer", classes })?.class).toBe(
    "org.apache.camel.kafkaconnector.timer.CamelTimerSourceConnector",
  );
  expect(exampleConnector({ name: "x", classes: classes.slice(2) })?.class).toBe(
    "org.apache.camel.kafkaconnector.CamelSinkConnector",
  );
});

test("proposeExample at the deadline: a worker that never answers ends in the command's timeout error, the worker stopped", async () => {
  // A worker that accepts connections and never answers (a hung JVM).
  const sockets = new Set<Socket>();
  const hung = createServer((s) => sockets.add(s));
  await new Promise<void>((r) => hung.listen(0, "127.0.0.1", r));
  let stopped = false;
  const runtime: ConformanceRuntime = {
    prepare: async () => {},
    startWorker: async () => ({
      url: `http://127.0.0.1:${(hung.address() as AddressInfo).port}`,
      logTail: async () => "",
      logFile: "/dev/null",
      settings: {},
      stop: async () => {
        stopped = true;
      },
    }),
    listPluginPath: async () => ({ rows: [], output: "" }),
  };
  const controller = new AbortController();
  setTimeout(() => controller.abort(new DeadlineError("1s")), 300);
  const entry = {
    name: "foo",
    classes: [{ class: "com.example.FooSource", type: "source" }],
  } as unknown as ConnectorPlugin;
  try {
    const dir = await mkdtemp(join(tmpdir(), "kiln-example-test-"));
    await expect(
      proposeExample(entry, dir, { kafka: "4.3.1", runtime, signal: controller.signal }),
    ).rejects.toMatchObject({
      constructor: OperationTimeoutError,
      userMessage: expect.stringMatching(/^gave up after 1s \(--timeout\) while /),
    });
    expect(stopped).toBe(true);
    await rm(dir, { recursive: true, force: true });
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => hung.close(r));
  }
});
