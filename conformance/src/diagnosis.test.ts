import { readFileSync } from "node:fs";
import type { ConnectorPlugin } from "@kiln/schemas";
import { describe, expect, test } from "vitest";
import { declaredMissingFromScan, undeclaredListedClasses } from "./evaluate.js";
import { explainReason } from "./explain.js";
import { parsePluginPathList } from "./runtime.js";
import { causesFor, loggedProblems } from "./worker-log.js";

// What Kafka 4.3.1's connect-plugin-path printed for Apache Camel's timer connector 0.7.2, whose
// package bundles Kafka 2.6 jars: stack traces and blank lines between the header and the rows.
const camelListing = readFileSync(
  new URL("./__fixtures__/connect-plugin-path-camel-0.7.2.txt", import.meta.url),
  "utf8",
);
const MKSET =
  "java.lang.NoSuchMethodError: 'java.util.Set org.apache.kafka.common.utils.Utils.mkSet(java.lang.Object[])'";

describe("parsePluginPathList", () => {
  test("finds the rows after the tool's logged errors, and skips the summary", () => {
    const rows = parsePluginPathList(camelListing);
    expect(rows.map((r) => `${r.type} ${r.className} ${r.hasManifest}`)).toEqual([
      "configprovider org.apache.kafka.common.config.provider.FileConfigProvider true",
      "converter io.apicurio.registry.utils.converter.SchemalessConverter false",
      "source org.apache.camel.kafkaconnector.timer.CamelTimerSourceConnector false",
      "sink org.apache.camel.kafkaconnector.CamelSinkConnector false",
      "transformation org.apache.camel.kafkaconnector.transforms.CamelTypeConverterTransform$Key false",
      "source org.apache.camel.kafkaconnector.CamelSourceConnector false",
      "converter io.apicurio.registry.utils.converter.AvroConverter false",
      "transformation org.apache.camel.kafkaconnector.transforms.SourcePojoToSchemaAndStructTransform false",
      "transformation org.apache.camel.kafkaconnector.transforms.SinkPojoToSchemaAndStructTransform false",
      "transformation org.apache.camel.kafkaconnector.transforms.CamelTypeConverterTransform$Value false",
      "transformation org.apache.camel.kafkaconnector.transforms.SchemaAndStructToJsonTransform false",
    ]);
    expect(rows[0]).toEqual({
      className: "org.apache.kafka.common.config.provider.FileConfigProvider",
      version: "undefined",
      type: "configprovider",
      loadable: true,
      hasManifest: true,
      location: "/opt/kafka/plugins/camel-timer",
    });
  });

  test("output without the header is an error that shows it", () => {
    expect(() => parsePluginPathList("Exception in thread main\n")).toThrow(
      /unexpected connect-plugin-path output/,
    );
  });
});

describe("worker log causes", () => {
  const problems = loggedProblems(camelListing);
  test("each logged error with its root cause, stack frames left out", () => {
    expect(problems).toHaveLength(5);
    expect(problems[2]).toEqual({
      message:
        "Failed to discover Converter in /opt/kafka/plugins/camel-timer: Unable to instantiate ExtJsonConverter: Failed to invoke plugin constructor",
      rootCause: MKSET,
      text: expect.stringContaining("java.lang.reflect.InvocationTargetException"),
    });
  });
  test("causes are found by fully qualified or by simple class name", () => {
    expect(causesFor(problems, "io.apicurio.registry.utils.converter.ExtJsonConverter")).toEqual([MKSET]);
    expect(causesFor(problems, "org.apache.kafka.connect.json.JsonConverter")).toEqual([MKSET]);
    expect(causesFor(problems, "io.apicurio.registry.utils.converter.AvroConverter")).toEqual([]);
  });
  test("kiln's worker log layout", () => {
    const log = [
      "[2026-11-30 23:29:12,440] INFO started (org.apache.kafka.connect.runtime.Connect)",
      "[2026-11-30 23:29:12,441] ERROR Uncaught exception in REST call (org.apache.kafka.connect.runtime.rest.errors.ConnectExceptionMapper)",
      "java.util.concurrent.ExecutionException: org.apache.kafka.common.config.ConfigException: bad",
      "\tat x.y(Z.java:1)",
      "Caused by: org.apache.kafka.common.config.ConfigException: bad",
      "[2026-11-30 23:29:13,000] INFO next (x)",
    ].join("\n");
    expect(loggedProblems(log)).toEqual([
      {
        message: "Uncaught exception in REST call",
        rootCause: "org.apache.kafka.common.config.ConfigException: bad",
        text: expect.any(String),
      },
    ]);
  });
});

describe("explainReason", () => {
  const ctx = {
    problems: loggedProblems(camelListing),
    bundled: [
      {
        path: "camel-timer-kafka-connector/connect-json-2.6.0.jar",
        version: "2.6.0",
        claimedLine: false,
        isolated: ["org.apache.kafka.connect.json.JsonConverter"],
      },
      {
        path: "camel-timer-kafka-connector/kafka-clients-2.6.0.jar",
        version: "2.6.0",
        claimedLine: false,
        isolated: ["org.apache.kafka.common.config.provider.FileConfigProvider"],
      },
    ],
    workerSettings: { "key.converter": "org.apache.kafka.connect.json.JsonConverter" },
    exampleConfig: {},
    kafka: "4.3.1",
  };

  test("a worker setting, its logged cause and the bundled jar behind it, with the fix", () => {
    const reason =
      "validating the example config failed: Invalid value org.apache.kafka.connect.json.JsonConverter for configuration key.converter: Could not instantiate class";
    expect(explainReason(reason, ctx)).toBe(
      [
        reason,
        "key.converter is the conformance worker's own setting (org.apache.kafka.connect.json.JsonConverter), not the example's: Connect resolved that class inside this plugin, which has its own copy of it",
        `the worker log says: ${MKSET}`,
        "the plugin bundles Kafka 2.6.0 jars (camel-timer-kafka-connector/connect-json-2.6.0.jar), which Connect loads in place of the worker's Kafka 4.3.1 classes. Fix: pin a release of the plugin built for this Kafka line, leave those jars out (`exclude` on the artifact, e.g. [\"connect-json-*.jar\"]), or narrow the entry's kafka range to the lines it passes on",
      ].join(" — "),
    );
  });

  test("a class that does not load because of a Kafka linkage error points at every foreign Kafka jar", () => {
    const out = explainReason(
      "io.apicurio.registry.utils.converter.ExtJsonConverter is not listed by the worker (GET /connector-plugins)",
      ctx,
    );
    expect(out).toContain(`the worker log says: ${MKSET}`);
    expect(out).toContain('e.g. ["connect-json-*.jar","kafka-clients-*.jar"]');
  });

  test("a class neither the plugin nor the worker has: add the jar that provides it", () => {
    expect(
      explainReason(
        "validating the example config failed: java.lang.NoClassDefFoundError: com/ibm/db2/jcc/DB2Driver",
        { ...ctx, bundled: [] },
      ),
    ).toBe(
      "validating the example config failed: java.lang.NoClassDefFoundError: com/ibm/db2/jcc/DB2Driver — the plugin needs com.ibm.db2.jcc.DB2Driver, which neither its jars nor the worker have: add the jar that provides it as another artifact of the entry (a JDBC driver, say, by its own Maven coordinates)",
    );
  });

  test("a reason with nothing behind it stays as it is", () => {
    expect(explainReason("example config: topic: Missing required configuration", ctx)).toBe(
      "example config: topic: Missing required configuration",
    );
  });
});

describe("undeclaredListedClasses", () => {
  const entry = {
    name: "camel-timer",
    classes: [{ class: "org.apache.camel.kafkaconnector.timer.CamelTimerSourceConnector", type: "source" }],
  } as ConnectorPlugin;
  test("classes Connect lists from the plugin that the entry lacks; Kafka's own copies are not the plugin's", () => {
    const rows = parsePluginPathList(camelListing).filter((r) => r.type !== "transformation");
    expect(undeclaredListedClasses(entry, rows)).toEqual([
      "Connect lists 4 classes from this plugin that the entry does not declare: io.apicurio.registry.utils.converter.SchemalessConverter (converter), org.apache.camel.kafkaconnector.CamelSinkConnector (sink), org.apache.camel.kafkaconnector.CamelSourceConnector (source), io.apicurio.registry.utils.converter.AvroConverter (converter) (kiln inspect camel-timer prints the lines to add)",
    ]);
  });
});

describe("declaredMissingFromScan", () => {
  test("a declared class the scan does not find in this plugin, even when another plugin provides it", () => {
    const entry = {
      classes: [
        { class: "io.apicurio.registry.utils.converter.AvroConverter", type: "converter" },
        { class: "io.apicurio.registry.utils.converter.ExtJsonConverter", type: "converter" },
      ],
    } as ConnectorPlugin;
    expect(declaredMissingFromScan(entry, parsePluginPathList(camelListing))).toEqual([
      "io.apicurio.registry.utils.converter.ExtJsonConverter (converter) is not found in this plugin by Connect's scan (connect-plugin-path)",
    ]);
    expect(declaredMissingFromScan(entry, [])).toEqual([]);
  });
});
