import { isPlaceholderOnly } from "@kiln/schemas";
import { describe, expect, it } from "vitest";
import { toFiles } from "../output.js";
import { exampleFiles, loadExample } from "../testing/examples.js";
import type { RenderedObject } from "./index.js";

/** Kubernetes keys that hold credentials (narrower than connector keys: `key` names a label or a ConfigMap entry here). */
const CREDENTIAL_KEY = /(password|secret|token|credential|private\.key|sasl\.jaas\.config)/i;

/** Every string under a credential-looking key that is not a reference; every PEM block; every Secret object. */
export function secretLeaks(objects: RenderedObject[], files: Record<string, string>): string[] {
  const leaks: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) walk(x, `${path}[${i}]`);
    } else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        // passwordSecret.password and certificateAndKey.key name a key in a Secret; they are references.
        const reference =
          /(passwordSecret|certificateAndKey|secretKeyRef|brokerCertChainAndKey|clientSecret)$/.test(path);
        const names = /^secretName$|\.class$|^config\.providers/.test(k); // a Secret's name or a provider class, not a value
        if (!reference && !names && typeof x === "string" && CREDENTIAL_KEY.test(k) && !isPlaceholderOnly(x))
          leaks.push(`${path}.${k}`);
        walk(x, `${path}.${k}`);
      }
    } else if (typeof v === "string" && /password\s*=\s*"(?!\$\{)/.test(v))
      leaks.push(`${path} (inline password)`);
  };
  for (const o of objects) {
    if ((o as { kind: string }).kind === "Secret") leaks.push(`${o.metadata.name}: a Secret object`);
    walk(o, `${o.kind}/${o.metadata.name}`);
  }
  for (const [path, text] of Object.entries(files))
    if (text.includes("-----BEGIN")) leaks.push(`${path}: PEM block`);
  return leaks;
}

describe("the secret detector", () => {
  it("flags literal credentials, inline JAAS passwords, Secrets and PEM blocks", () => {
    const o = (spec: unknown) =>
      ({
        apiVersion: "x/v1",
        kind: "KafkaConnect",
        metadata: { name: "c" },
        spec,
      }) as unknown as RenderedObject;
    expect(secretLeaks([o({ config: { "connection.password": "hunter2" } })], {})).toStrictEqual([
      "KafkaConnect/c.spec.config.connection.password",
    ]);
    expect(
      secretLeaks([o({ config: { x: 'ScramLoginModule required username="u" password="p";' } })], {}),
    ).toHaveLength(1);
    expect(secretLeaks([{ ...o({}), kind: "Secret" } as unknown as RenderedObject], {})).toHaveLength(1);
    expect(secretLeaks([], { "a.yaml": "-----BEGIN PRIVATE KEY-----" })).toHaveLength(1);
    expect(
      secretLeaks([o({ config: { "connection.password": "${secrets:ns/db:password}" } })], {}),
    ).toStrictEqual([]);
  });
});

describe.each(exampleFiles())("security invariants of %s", (file) => {
  const { cluster, result } = loadExample(file);
  const objects = result.items.map((i) => i.object);
  const kafka = objects.find((o) => o.kind === "Kafka");

  it("has no secret value anywhere in the output", () => {
    expect(secretLeaks(objects, toFiles(result))).toStrictEqual([]);
  });
  it("has TLS and authentication on every listener unless the definition says otherwise", () => {
    expect(kafka?.kind).toBe("Kafka");
    if (kafka?.kind !== "Kafka") return;
    for (const l of kafka.spec.kafka.listeners) {
      const declared = cluster.listeners?.find((d) => d.name === l.name);
      if (declared?.tls !== false) expect(l.tls, l.name).toBe(true);
      if (declared?.authentication?.type !== "none")
        expect(l.authentication?.type, l.name).toMatch(/^(tls|scram-sha-512|custom)$/);
    }
  });
  it("always turns authorization on", () => {
    if (kafka?.kind !== "Kafka") throw new Error("no Kafka");
    expect(["simple", "custom"]).toContain(kafka.spec.kafka.authorization.type);
  });
  it("gives every client of the cluster TLS trust and authentication", () => {
    for (const o of objects) {
      if (o.kind === "KafkaConnect") {
        expect(o.spec.tls.trustedCertificates.length).toBeGreaterThan(0);
        expect(o.spec.authentication.type).toMatch(/^(tls|scram-sha-512)$/);
      }
      if (o.kind === "KafkaMirrorMaker2") {
        for (const c of [o.spec.target, ...o.spec.mirrors.map((m) => m.source)]) {
          expect(c.tls?.trustedCertificates.length).toBeGreaterThan(0);
          expect(c.authentication?.type).toMatch(/^(tls|scram-sha-512)$/);
        }
      }
    }
  });
});
