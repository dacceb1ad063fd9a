// Loads and validates 1,000 generated catalog entries (YAML parse, schema and
// catalog checks included), the way `kiln validate` does, and prints the time.
// Goal (issue 2): under 1 s on the project's 2-core machine.
//   npx tsx --conditions kiln-src bench/catalog/validate-1000.ts
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { readCatalog } from "@kiln/catalog";

const COUNT = 1000;
const RUNS = 5;

function entry(i: number): string {
  const hex = i.toString(16).padStart(4, "0");
  return `# yaml-language-server: $schema=../../schemas/json/connector-plugin.schema.json
apiVersion: kiln.dev/v1
kind: ConnectorPlugin
name: bench-connector-${i}
title: Benchmark connector ${i}
description: A generated entry with the shape of a real one.
type: ${i % 2 ? "sink" : "source"}
version: 3.${i % 10}.${i % 7}.Final
license: Apache-2.0
homepage: https://example.com/connectors/${i}
kafka: ">=3.9.0 <5.0.0"
owners: [platform-team, data-team]
classes:
  - class: com.example.bench${i}.BenchConnector
    type: ${i % 2 ? "sink" : "source"}
  - class: com.example.bench${i}.BenchConverter
    type: converter
artifacts:
  - type: maven
    group: com.example.bench
    artifact: connector-${i}
    version: 3.${i % 10}.${i % 7}.Final
    classifier: plugin
    extension: tar.gz
    sha512: "${hex.repeat(32)}"
  - type: jar
    url: https://example.com/artifacts/extra-${i}.jar
    sha512: "${hex.split("").reverse().join("").repeat(32)}"
example:
  class: com.example.bench${i}.BenchConnector
  config:
    topic: bench-${i}
    database.password: \${file:/opt/kafka/external-configuration/bench/creds.properties:password}
`;
}

const root = mkdtempSync(join(tmpdir(), "kiln-bench-catalog-"));
try {
  const dir = join(root, "connectors");
  mkdirSync(dir);
  for (let i = 0; i < COUNT; i++) writeFileSync(join(dir, `bench-connector-${i}.yaml`), entry(i));
  writeFileSync(
    join(root, "license-policy.yaml"),
    "apiVersion: kiln.dev/v1\nkind: LicensePolicy\nallow: [Apache-2.0]\n",
  );

  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const result = await readCatalog(dir);
    times.push(performance.now() - start);
    if (!result.catalog || result.catalog.entries.length !== COUNT) {
      throw new Error(
        `benchmark catalog did not validate: ${JSON.stringify(result.diagnostics.slice(0, 3))}`,
      );
    }
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const fmt = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
  console.log(`catalog validate: ${COUNT} entries (read + YAML parse + schema + checks)`);
  console.log(`  first run (includes compiling the schemas): ${fmt(times[0] ?? 0)}`);
  console.log(`  median of ${RUNS}:                            ${fmt(median)}`);
  console.log(
    `  goal:                                        < 1.000 s  ${median < 1000 ? "met" : "MISSED"}`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
