import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  type ConformancePlugin,
  type LocalRuntime,
  localRuntime,
  type Matrix,
  runConformance,
} from "@kiln/conformance";
import { resolveKafkaJars } from "@kiln/runtime";
import type { ConnectorPlugin } from "@kiln/schemas";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const exec = promisify(execFile);
const KAFKA = "4.3.1";
const FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector";

function entry(name: string, over: Partial<ConnectorPlugin> = {}): ConnectorPlugin {
  return {
    apiVersion: "kiln.dev/v1",
    kind: "ConnectorPlugin",
    name,
    title: name,
    type: "source",
    version: KAFKA,
    license: "Apache-2.0",
    kafka: ">=4.3.0 <4.4.0",
    owners: ["platform-team"],
    classes: [{ class: FILE_SOURCE, type: "source" }],
    artifacts: [{ type: "jar", url: "https://example.invalid/connect-file.jar", sha512: "0".repeat(128) }],
    example: { class: FILE_SOURCE, config: { file: "/tmp/kiln-conformance-in.txt", topic: "t" } },
    ...over,
  };
}

/** A plugin whose connector kills the JVM that loads it: what a broken plugin does to a worker's scan. */
async function crashingPlugin(dir: string): Promise<void> {
  const jars = await resolveKafkaJars(KAFKA);
  const libs = await readdir(jars.libDir);
  const cp = libs
    .filter((f) => /^(connect-api|kafka-clients)-/.test(f))
    .map((f) => join(jars.libDir, f))
    .join(":");
  const src = join(dir, "src", "dev", "kiln", "crash");
  await mkdir(src, { recursive: true });
  await writeFile(
    join(src, "CrashingConnector.java"),
    `package dev.kiln.crash;
import java.util.*;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;
public class CrashingConnector extends SourceConnector {
  static { Runtime.getRuntime().halt(3); }
  public String version() { return "1.0.0"; }
  public void start(Map<String, String> props) {}
  public Class<? extends Task> taskClass() { return null; }
  public List<Map<String, String>> taskConfigs(int max) { return List.of(); }
  public void stop() {}
  public ConfigDef config() { return new ConfigDef(); }
}
`,
  );
  const classes = join(dir, "classes");
  await exec("javac", ["-d", classes, "-cp", cp, join(src, "CrashingConnector.java")]);
  await mkdir(join(classes, "META-INF", "services"), { recursive: true });
  await writeFile(
    join(classes, "META-INF", "services", "org.apache.kafka.connect.source.SourceConnector"),
    "dev.kiln.crash.CrashingConnector\n",
  );
  await mkdir(join(dir, "plugin"), { recursive: true });
  await exec("jar", ["cf", join(dir, "plugin", "crash.jar"), "-C", classes, "."]);
}

let work: string;
let runtime: LocalRuntime;
let matrix: Matrix;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "kiln-conformance-broken-"));
  const jars = await resolveKafkaJars(KAFKA);
  await crashingPlugin(join(work, "crash"));
  const file = jars.fileStreamPluginDir;
  const plugins: ConformancePlugin[] = [
    { entry: entry("good"), dir: file },
    {
      entry: entry("missing-class", {
        classes: [{ class: "org.apache.kafka.connect.file.NoSuchConnector", type: "source" }],
        example: undefined,
      }),
      dir: file,
    },
    {
      entry: entry("unknown-key", {
        example: { class: FILE_SOURCE, config: { file: "/tmp/x", topic: "t", fiel: "typo" } },
      }),
      dir: file,
    },
    {
      entry: entry("literal-secret", {
        example: {
          class: FILE_SOURCE,
          config: { file: "/tmp/x", topic: "t", "sasl.password": "hunter2" },
          passthrough: ["sasl."],
        },
      }),
      dir: file,
    },
    { entry: entry("untested-claim", { kafka: ">=4.3.0 <5.0.0" }), dir: file },
    {
      entry: entry("crasher", {
        version: "1.0.0",
        classes: [{ class: "dev.kiln.crash.CrashingConnector", type: "source" }],
        example: undefined,
      }),
      dir: join(work, "crash", "plugin"),
    },
  ];
  runtime = localRuntime(join(work, "runtime"));
  matrix = await runConformance({ plugins, kafkaVersions: [KAFKA], runtime, workDir: join(work, "paths") });
}, 900_000);

afterAll(async () => {
  await runtime?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("conformance with deliberately broken entries (real Kafka Connect)", () => {
  const cell = (name: string) => matrix.rows.find((r) => r.entry === name)?.cells[KAFKA];

  test("a good entry passes even though another plugin breaks the worker's scan", () => {
    expect(cell("good")).toEqual({ status: "pass", reasons: [] });
  });

  test("a declared class that is not in the jars", () => {
    expect(cell("missing-class")).toEqual({
      status: "fail",
      reasons: [
        "org.apache.kafka.connect.file.NoSuchConnector is not listed by the worker (GET /connector-plugins)",
      ],
    });
  });

  test("an example config with an unknown key", () => {
    expect(cell("unknown-key")?.reasons).toEqual([
      `example config: unknown key fiel (not defined by ${FILE_SOURCE}; declare a passthrough prefix if the plugin forwards it)`,
    ]);
  });

  test("an example config with a literal secret (the value never appears)", () => {
    expect(cell("literal-secret")?.reasons).toEqual([
      "example config: sasl.password holds a literal secret; use a config-provider placeholder",
    ]);
    expect(JSON.stringify(matrix)).not.toContain("hunter2");
  });

  test("a Kafka range that claims an untested version", () => {
    expect(cell("untested-claim")?.status).toBe("pass");
    expect(matrix.errors.filter((e) => e.entry === "untested-claim").map((e) => e.message)).toEqual([
      'kafka ">=4.3.0 <5.0.0" claims versions conformance does not test; narrow it to within ">=4.3.0 <4.4.0"',
    ]);
  });

  test("a plugin that kills the worker's scan fails alone, with the reason", () => {
    expect(cell("crasher")?.status).toBe("fail");
    expect(cell("crasher")?.reasons[0]).toMatch(/^a Connect worker with only this plugin does not start: /);
  });

  test("every failing claimed version is an entry error; the rest of the matrix completed", () => {
    expect(matrix.rows.map((r) => r.entry)).toEqual([
      "crasher",
      "good",
      "literal-secret",
      "missing-class",
      "unknown-key",
      "untested-claim",
    ]);
    expect([...new Set(matrix.errors.map((e) => e.entry))]).toEqual([
      "crasher",
      "literal-secret",
      "missing-class",
      "unknown-key",
      "untested-claim",
    ]);
  });
});
