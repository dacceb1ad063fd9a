import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Matrix } from "@kiln/conformance";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runKiln } from "../harness/cli.js";
import { requireMavenCentral } from "../resolve/network.js";

// A newcomer's day: three plugins the catalog does not have, from Maven Central, added with
// `kiln catalog add` and run through conformance exactly as written — one more Debezium
// connector (Db2, with an example from its own config definition; its package leaves IBM's JDBC
// driver out), a converter package (Apicurio's, with its dependencies), and Apache Camel's timer
// connector 0.7.2, a "fat" package that bundles Kafka 2.6 jars. Each passes, or fails with its
// true cause named and the fix suggested; Camel's suggested fix is then applied and proved. One
// Kafka line (4.3.1) keeps the suite lean.
const ROOT = resolve(import.meta.dirname, "../../..");
const KAFKA = "4.3.1";
const RANGE = ">=4.3.0 <4.4.0";
const SOURCES = {
  "debezium-db2": ["io.debezium:debezium-connector-db2:3.6.1.Final:plugin@tar.gz", "--example"],
  "apicurio-registry-utils-converter": [
    "io.apicurio:apicurio-registry-utils-converter:2.6.13.Final",
    "--transitive",
  ],
  "camel-timer": [
    "org.apache.camel.kafkaconnector:camel-timer-kafka-connector:0.7.2:package@tar.gz",
    "--example",
  ],
} as const;

let repo: string;
const added: Record<string, { code: number; stdout: string; stderr: string }> = {};
let matrix: Matrix;

const kiln = (args: string[]) => runKiln(args, { cwd: repo, env: { ...process.env } });
const cell = (m: Matrix, name: string) => m.rows.find((r) => r.entry === name)?.cells[KAFKA];

beforeAll(async () => {
  await requireMavenCentral();
  repo = mkdtempSync(join(tmpdir(), "kiln-newcomer-"));
  cpSync(join(ROOT, "catalog"), join(repo, "catalog"), {
    recursive: true,
    filter: (p) => !p.includes("fixtures"),
  });
  cpSync(join(ROOT, "kiln.lock.json"), join(repo, "kiln.lock.json"));
  for (const [name, [source, flag]] of Object.entries(SOURCES))
    added[name] = await kiln(["catalog", "add", source, flag, "--kafka", RANGE, "--owners", "newcomers"]);
  const res = await kiln(["conformance", ...Object.keys(SOURCES), "--kafka", KAFKA, "--keep-logs", "--json"]);
  if (!res.stdout)
    throw new Error(
      `kiln conformance printed no matrix (exit ${res.code}):\n${res.stderr}\n${JSON.stringify(added, null, 1).slice(0, 4000)}`,
    );
  matrix = JSON.parse(res.stdout) as Matrix;
}, 1_200_000);

afterAll(() => {
  if (repo) rmSync(repo, { recursive: true, force: true });
});

describe("newcomers added with kiln catalog add, proved by conformance unchanged (Maven Central, real Kafka Connect)", () => {
  test("each entry is written, schema-valid and locked", async () => {
    for (const name of Object.keys(SOURCES)) {
      expect(added[name]?.stdout, name).toContain(`wrote catalog/connectors/${name}.yaml`);
      expect(added[name]?.stdout, name).toContain(`locked ${name} in kiln.lock.json`);
    }
    expect((await kiln(["validate"])).code).toBe(0);
    expect((await kiln(["lock", "--check"])).code).toBe(0);
  });

  test("Debezium Db2: every class found, an example from its config definition; conformance fails naming the JDBC driver the package leaves out", () => {
    expect(added["debezium-db2"]?.code).toBe(0);
    const text = readFileSync(join(repo, "catalog/connectors/debezium-db2.yaml"), "utf8");
    expect(text.split("\n")[0]).toBe(
      "# yaml-language-server: $schema=../../schemas/json/connector-plugin.schema.json",
    );
    expect(text).toContain("license: Apache-2.0");
    expect(text).toMatch(/- class: io\.debezium\.connector\.db2\.Db2Connector\n {4}type: source\n/);
    expect(text).toContain("    database.hostname: localhost\n");
    // Debezium does not ship IBM's Db2 driver (its licence): validation reaches it and breaks.
    expect(added["debezium-db2"]?.stdout).toContain(
      "example:      from the plugin's config definition, not validated (validation failed on Kafka 4.3.1:",
    );
    const c = cell(matrix, "debezium-db2");
    expect(c?.status).toBe("fail");
    const reasons = c?.reasons.join("\n") ?? "";
    expect(reasons).toContain(
      "validating the example config failed: java.lang.NoClassDefFoundError: com/ibm/db2/jcc/DB2Driver — ",
    );
    expect(reasons).toContain(
      "the plugin needs com.ibm.db2.jcc.DB2Driver, which neither its jars nor the worker have: add the jar that provides it as another artifact of the entry (a JDBC driver, say, by its own Maven coordinates)",
    );
  });

  test("Apicurio's converters: found by class hierarchy (no service manifests); conformance passes", () => {
    expect(added["apicurio-registry-utils-converter"]?.code).toBe(0);
    expect(added["apicurio-registry-utils-converter"]?.stdout).toContain("classes:      3 converter");
    expect(cell(matrix, "apicurio-registry-utils-converter")).toEqual({ status: "pass", reasons: [] });
    expect(matrix.rows.find((r) => r.entry === "apicurio-registry-utils-converter")?.serviceLoad).toBe(false);
  });

  test("Camel timer 0.7.2: inspection names the bundled Kafka 2.6 jars with the fix; conformance fails with the true cause", () => {
    const add = added["camel-timer"];
    expect(add?.code).toBe(1);
    expect(add?.stdout).toContain(
      "error: camel-timer-kafka-connector/connect-json-2.6.0.jar: a copy of Kafka 2.6.0's connect-json, from another major version of Kafka than the entry claims",
    );
    expect(add?.stdout).toContain('leave the jar out with `exclude: ["connect-json-*.jar"]` on its artifact');
    const c = cell(matrix, "camel-timer");
    expect(c?.status).toBe("fail");
    const reasons = c?.reasons.join("\n") ?? "";
    expect(reasons).toContain(
      "key.converter is the conformance worker's own setting (org.apache.kafka.connect.json.JsonConverter), not the example's",
    );
    expect(reasons).toContain(
      "java.lang.NoSuchMethodError: 'java.util.Set org.apache.kafka.common.utils.Utils.mkSet(java.lang.Object[])'",
    );
    expect(reasons).toContain(
      "the plugin bundles Kafka 2.6.0 jars (camel-timer-kafka-connector/connect-json-2.6.0.jar",
    );
    expect(
      matrix.errors
        .filter((e) => e.entry === "camel-timer")
        .map((e) => e.message)
        .at(-1),
    ).toMatch(/^no Kafka line it claims passes: /);
  });

  test("the workers' logs were kept", () => {
    const log = readFileSync(join(repo, "out/conformance/logs", `kafka-${KAFKA}-worker.log`), "utf8");
    expect(log).toContain("Unable to instantiate ExtJsonConverter");
  });

  test("the suggested fix, applied: the bundled Kafka jars excluded, Camel timer 0.7.2 passes", async () => {
    const file = join(repo, "catalog/connectors/camel-timer.yaml");
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace(
        /^( {4}sha512: [0-9a-f]{128}\n)/m,
        '    exclude: ["connect-json-*.jar", "kafka-clients-*.jar", "slf4j-api-*.jar"]\n$1',
      ),
    );
    expect((await kiln(["lock", "camel-timer"])).code).toBe(0);
    const inspect = await kiln(["inspect", "camel-timer", "--json"]);
    const report = JSON.parse(inspect.stdout).plugins[0];
    expect(report.bundledKafka).toEqual([]);
    const res = await kiln(["conformance", "camel-timer", "--kafka", KAFKA, "--json"]);
    const fixed = JSON.parse(res.stdout) as Matrix;
    expect({ cell: cell(fixed, "camel-timer"), errors: fixed.errors }).toEqual({
      cell: expect.objectContaining({ status: expect.stringMatching(/^(pass|expected-fail)$/) }),
      errors: [],
    });
  });
});
