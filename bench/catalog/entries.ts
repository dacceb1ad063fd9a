// Generated catalog entries with the shape of real ones (classes, Maven and URL artifacts,
// an example config with a placeholder), written as a catalog directory.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

export function entry(i: number): string {
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

/** `<root>/connectors/` with `count` entries and `<root>/license-policy.yaml`; returns the connectors dir. */
export async function writeCatalog(root: string, count: number): Promise<string> {
  const dir = join(root, "connectors");
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) await writeFile(join(dir, `bench-connector-${i}.yaml`), entry(i));
  await writeFile(
    join(root, "license-policy.yaml"),
    "apiVersion: kiln.dev/v1\nkind: LicensePolicy\nallow: [Apache-2.0]\n",
  );
  return dir;
}
