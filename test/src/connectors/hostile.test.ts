import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ConnectClient } from "@kiln/connectors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy } from "../builder/fault-proxy.js";
import { required } from "../harness/inject.js";
import { connectUrls, deleteAll, kiln, rawClient, SINK, workspace } from "./support.js";

// Hostile and careless connector files against the real workers (Kafka 4.x, two distributed
// Connect workers: services kafka + connect). A loopback proxy in front of a real worker records
// what kiln sends and injects the faults a worker under trouble shows (409 forever, no answer).
let client: ConnectClient;
const p = "hq-";
const dataDir = join(required("workDir"), "connectors-hostile");
const config = (name: string) => ({ topics: `${p}t`, file: join(dataDir, `${name}.txt`) });

beforeAll(async () => {
  client = rawClient();
  await mkdir(dataDir, { recursive: true });
  await deleteAll(client, p);
});
afterAll(async () => {
  await deleteAll(client, p).catch(() => {});
  await client?.close();
});

/** A connector file as a careless author might write it, in any YAML spelling. */
function connectorYaml(name: string, kind: string): string {
  const c = config(name);
  return `apiVersion: kiln.dev/v1\nkind: ${kind}\nname: ${name}\nconnectCluster: local\nplugin: { name: kafka-file, class: ${SINK} }\nconfig:\n  topics: ${c.topics}\n  file: ${c.file}\n`;
}

describe("a prune cluster never loses a connector the repository declares", () => {
  it("quoted kinds and one-line flow documents are declared; a file kiln cannot classify stops apply --prune", async () => {
    for (const name of [`${p}quoted`, `${p}flow`, `${p}typo`, `${p}stray`])
      await client.create(name, { "connector.class": SINK, ...config(name) });
    const others = (await client.listNames()).filter((n) => !n.startsWith(p));
    const ws = await workspace([], { ownership: { mode: "prune", protect: others } });
    const dir = join(ws, "connectors");
    await writeFile(join(dir, `${p}quoted.yaml`), connectorYaml(`${p}quoted`, "'Connector'"));
    await writeFile(
      join(dir, `${p}flow.yaml`),
      `${JSON.stringify({ apiVersion: "kiln.dev/v1", kind: "Connector", name: `${p}flow`, connectCluster: "local", plugin: { name: "kafka-file", class: SINK }, config: config(`${p}flow`) })}\n`,
    );
    await writeFile(join(dir, `${p}typo.yaml`), connectorYaml(`${p}typo`, "Conector"));

    // The misspelt kind would have made hq-typo look undeclared: the plan stops, nothing is deleted.
    const stopped = await kiln(ws, "connectors", "apply", "--prune");
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/hq-typo\.yaml:2:7: error: has kind "Conector", which kiln does not know/);
    expect((await client.listNames()).filter((n) => n.startsWith(p)).sort()).toStrictEqual([
      `${p}flow`,
      `${p}quoted`,
      `${p}stray`,
      `${p}typo`,
    ]);

    // Fixed, the declared connectors stay (they are unchanged) and only the undeclared one goes.
    await writeFile(join(dir, `${p}typo.yaml`), connectorYaml(`${p}typo`, '"Connector"'));
    const plan = await kiln(ws, "connectors", "plan", "--json");
    const changes = (
      JSON.parse(plan.stdout) as { clusters: Array<{ changes: Array<{ name: string; kind: string }> }> }
    ).clusters[0]?.changes.filter((c) => c.name.startsWith(p));
    expect(changes?.map((c) => [c.name, c.kind])).toStrictEqual([
      [`${p}flow`, "noop"],
      [`${p}quoted`, "noop"],
      [`${p}stray`, "delete"],
      [`${p}typo`, "noop"],
    ]);
    const pruned = await kiln(ws, "connectors", "apply", "--prune");
    expect(pruned.code).toBe(0);
    expect((await client.listNames()).filter((n) => n.startsWith(p)).sort()).toStrictEqual([
      `${p}flow`,
      `${p}quoted`,
      `${p}typo`,
    ]);
    await deleteAll(client, p);
  });
});

describe("what reaches the worker", () => {
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  beforeAll(async () => {
    proxy = await startFaultProxy(new URL(connectUrls()[0] as string).host);
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  it("a literal secret stops the plan before any config is sent to /config/validate", async () => {
    const ws = await workspace(
      [
        { name: `${p}clean`, class: SINK, config: config(`${p}clean`) },
        {
          name: `${p}leaky`,
          class: SINK,
          config: { ...config(`${p}leaky`), "db.password": "S3CR3T${env:X}" },
        },
      ],
      { urls: [`http://${proxy.address}`] },
    );
    proxy.requests.length = 0;
    const r = await kiln(ws, "connectors", "plan");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/hq-leaky: "db\.password" holds a literal value that looks like a secret/);
    expect(r.stdout + r.stderr).not.toContain("S3CR3T");
    const validations = proxy.requests.filter((q) => q.endsWith("/config/validate"));
    // The clean connector was validated by the worker; the one holding a secret was not sent.
    expect(validations).toHaveLength(1);
    expect(await client.listNames()).not.toContain(`${p}leaky`);
  });

  it("a worker answering 409 forever, or not at all, is given up on at --timeout, naming the request", async () => {
    const ws = await workspace([], { urls: [`http://${proxy.address}`] });
    const busy = proxy.add(
      (q) => q.method === "GET" && /^\/connectors\?expand/.test(q.url ?? ""),
      {
        kind: "status",
        status: 409,
        body: JSON.stringify({
          error_code: 409,
          message:
            "Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)",
        }),
      },
      1000,
    );
    const started = Date.now();
    const status = await kiln(ws, "connectors", "status", "--timeout", "4s");
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(
      /gave up after 4s \(--timeout\) while (retrying|waiting for) GET http:\/\/127\.0\.0\.1:\d+\/connectors\?expand=status&expand=info/,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    busy.times = 0;

    proxy.add((q) => q.method === "GET" && q.url === "/", { kind: "hang" }, 1000);
    const plan = await kiln(ws, "connectors", "plan", "--timeout", "3s");
    expect(plan.code).toBe(1);
    expect(plan.stderr).toMatch(
      /gave up after 3s \(--timeout\) while waiting for GET http:\/\/127\.0\.0\.1:\d+\//,
    );
  });
});
