import { expect, test } from "vitest";
import { exampleConfig, exampleConnector } from "./example.js";

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
