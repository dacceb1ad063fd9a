import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ConnectClient } from "@kiln/connectors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { required } from "../harness/inject.js";
import {
  type ConnectorFile,
  deleteAll,
  eventually,
  kiln,
  plan,
  planAndApply,
  rawClient,
  SINK,
  SOURCE,
  workspace,
  writeTree,
} from "./support.js";

// Real Kafka 4.x and two distributed Connect workers in one group (services kafka + connect).
let client: ConnectClient;
const dataDir = join(required("workDir"), "connectors-data");

beforeAll(async () => {
  client = rawClient();
  await mkdir(dataDir, { recursive: true });
});
afterAll(async () => {
  await client?.close();
});

const states = async (...names: string[]) =>
  Object.fromEntries(
    await Promise.all(names.map(async (n) => [n, (await client.status(n)).connector.state])),
  );

describe("create, no-op re-apply, update, state changes", () => {
  const p = "cr-";
  let ws: string;
  const files = (
    overrides: { srcState?: "running" | "paused" | "stopped"; sinkFile?: string } = {},
  ): ConnectorFile[] => [
    {
      name: `${p}source`,
      class: SOURCE,
      state: overrides.srcState ?? "running",
      config: { topic: `${p}topic`, file: join(dataDir, `${p}in.txt`), "tasks.max": 1 },
    },
    {
      name: `${p}sink`,
      class: SINK,
      config: {
        topics: `${p}topic, ${p}other`,
        file: overrides.sinkFile ?? join(dataDir, `${p}out.txt`),
        "tasks.max": 1,
      },
    },
    {
      name: `${p}stopped`,
      class: SINK,
      state: "stopped" as const,
      config: { topics: `${p}topic`, file: join(dataDir, `${p}stopped.txt`) },
    },
  ];

  beforeAll(async () => {
    await deleteAll(client, p);
    await writeFile(join(dataDir, `${p}in.txt`), "one\ntwo\n");
    ws = await workspace(files());
  });

  it("plans creates (exit 2), applies them with initial_state, and waits until RUNNING", async () => {
    const planned = await kiln(ws, "connectors", "plan");
    expect(planned.stderr).toBe("");
    expect(planned.code).toBe(2);
    expect(planned.stdout).toContain(`+ create    ${p}sink (running)`);
    expect(planned.stdout).toContain(`+ create    ${p}stopped (stopped)`);

    const { results } = await planAndApply(ws, { wait: true, waitTimeoutMs: 90_000 });
    expect(results[0]?.failed).toStrictEqual([]);
    expect(results[0]?.applied.map((a) => a.kind)).toStrictEqual(["create", "create", "create"]);
    expect(await states(`${p}source`, `${p}sink`, `${p}stopped`)).toStrictEqual({
      [`${p}source`]: "RUNNING",
      [`${p}sink`]: "RUNNING",
      [`${p}stopped`]: "STOPPED",
    });
    // A connector created STOPPED never ran: its sink file was never opened.
    await expect(readFile(join(dataDir, `${p}stopped.txt`))).rejects.toThrow(/ENOENT/);
    // Records flow source → topic → sink on the real cluster.
    await eventually("sink output", async () =>
      (await readFile(join(dataDir, `${p}out.txt`), "utf8").catch(() => "")).includes("two"),
    );
  });

  it("re-applying unchanged files issues zero writes (list whitespace normalised)", async () => {
    const planned = await kiln(ws, "connectors", "plan");
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain("No changes: 3 connector(s) up to date.");
    const { writes, results } = await planAndApply(ws);
    expect(writes).toBe(0);
    expect(results[0]?.applied).toStrictEqual([]);
  });

  it("an update PUTs only the changed connector", async () => {
    await writeTree(ws, files({ sinkFile: join(dataDir, `${p}out2.txt`) }));
    const p1 = await plan(ws);
    const changes = p1.clusters[0]?.plan.changes.filter((c) => c.kind !== "noop" && c.kind !== "unmanaged");
    await p1.close();
    expect(changes?.map((c) => [c.name, c.kind, c.diff])).toStrictEqual([
      [
        `${p}sink`,
        "update",
        [{ key: "file", before: join(dataDir, `${p}out.txt`), after: join(dataDir, `${p}out2.txt`) }],
      ],
    ]);
    const { writes } = await planAndApply(ws, { wait: true });
    expect(writes).toBe(1);
    expect((await client.getConfig(`${p}sink`)).file).toBe(join(dataDir, `${p}out2.txt`));
  });

  it("pauses, stops and resumes through state changes", async () => {
    await writeTree(ws, files({ srcState: "paused", sinkFile: join(dataDir, `${p}out2.txt`) }));
    await planAndApply(ws, { wait: true });
    expect((await states(`${p}source`))[`${p}source`]).toBe("PAUSED");
    await writeTree(ws, files({ srcState: "stopped", sinkFile: join(dataDir, `${p}out2.txt`) }));
    const { writes } = await planAndApply(ws, { wait: true });
    expect(writes).toBe(1);
    expect((await client.status(`${p}source`)).tasks).toStrictEqual([]);
    await writeTree(ws, files({ sinkFile: join(dataDir, `${p}out2.txt`) }));
    await planAndApply(ws, { wait: true });
    expect((await states(`${p}source`))[`${p}source`]).toBe("RUNNING");
  });

  it("environment overlays change the config for --env", async () => {
    const withEnv = files({ sinkFile: join(dataDir, `${p}out2.txt`) });
    (withEnv[1] as { environments?: unknown }).environments = {
      staging: { config: { file: join(dataDir, `${p}staging.txt`) } },
    };
    await writeTree(ws, withEnv);
    const planned = await kiln(ws, "connectors", "plan", "--env", "staging", "--json");
    expect(planned.code).toBe(2);
    const json = JSON.parse(planned.stdout) as {
      clusters: Array<{ changes: Array<{ kind: string; name: string }> }>;
    };
    expect(json.clusters[0]?.changes.filter((c) => c.kind === "update").map((c) => c.name)).toStrictEqual([
      `${p}sink`,
    ]);
    expect((await kiln(ws, "connectors", "plan")).code).toBe(0);
  });
});

describe("ownership: ignore, adopt, prune", () => {
  const p = "own-";
  // Connectors other suites left on the shared cluster are protected, so prune never touches them.
  let others: string[] = [];
  const mine = async () => (await client.listNames()).filter((n) => n.startsWith(p)).sort();
  beforeAll(async () => {
    await deleteAll(client, p);
    others = (await client.listNames()).filter((n) => !n.startsWith(p));
    for (const name of [`${p}stray`, `${p}mm2-keep`]) {
      await client.create(name, {
        "connector.class": SINK,
        topics: `${p}t`,
        file: join(dataDir, `${name}.txt`),
      });
    }
  });
  const declared = [
    { name: `${p}mine`, class: SINK, config: { topics: `${p}t`, file: join(dataDir, `${p}mine.txt`) } },
  ];

  it("ignore leaves undeclared connectors alone", async () => {
    const ws = await workspace(declared, { ownership: { mode: "ignore" } });
    await planAndApply(ws, { prune: true });
    expect(await mine()).toStrictEqual([`${p}mine`, `${p}mm2-keep`, `${p}stray`]);
    const drift = await kiln(ws, "connectors", "drift");
    expect(drift.stdout + drift.stderr).toContain("No drift.");
    expect(drift.code).toBe(0);
  });

  it("adopt reports undeclared connectors as drift but never deletes them", async () => {
    const ws = await workspace(declared, { ownership: { mode: "adopt", protect: [`${p}mm2-*`, ...others] } });
    const drift = await kiln(ws, "connectors", "drift", "--json");
    expect(drift.code).toBe(2);
    const json = JSON.parse(drift.stdout) as {
      clusters: Array<{ drift: Array<{ name: string; kind: string }> }>;
    };
    expect(json.clusters[0]?.drift.map((d) => [d.name, d.kind])).toStrictEqual([[`${p}stray`, "unmanaged"]]);
    await planAndApply(ws, { prune: true });
    expect(await mine()).toHaveLength(3);
  });

  it("prune deletes only with --prune, and never protected connectors", async () => {
    const ws = await workspace(declared, { ownership: { mode: "prune", protect: [`${p}mm2-*`, ...others] } });
    const dry = await kiln(ws, "connectors", "apply");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`- delete    ${p}stray (needs --prune)`);
    expect(dry.stdout).toContain("skipped 1 (deletion needs --prune)");
    expect(await mine()).toHaveLength(3);
    const pruned = await kiln(ws, "connectors", "apply", "--prune");
    expect(pruned.code).toBe(0);
    expect(await mine()).toStrictEqual([`${p}mine`, `${p}mm2-keep`]);
    expect((await client.listNames()).filter((n) => !n.startsWith(p)).sort()).toStrictEqual(
      [...others].sort(),
    );
    await deleteAll(client, p);
  });
});

describe("plan-time checks", () => {
  it("reports Connect's per-key validation errors, missing plugins and literal secrets; exit 1, nothing written", async () => {
    const ws = await workspace([
      { name: "bad-batch", class: SOURCE, config: { topic: "x", file: "/tmp/x", "batch.size": "lots" } },
      { name: "bad-plugin", class: "com.example.NoSuchConnector", config: { topics: "x" } },
      {
        name: "bad-secret",
        class: SINK,
        config: { topics: "x", file: "/tmp/y", "database.password": "hunter2" },
      },
    ]);
    const before = await client.listNames();
    const out = await kiln(ws, "connectors", "plan");
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/bad-batch\.yaml.*batch\.size.*Invalid value lots/);
    // Checked on every worker, not just the one answering.
    for (const url of required("connectUrls").split(",")) {
      expect(out.stderr).toContain(`com.example.NoSuchConnector is not installed on the worker at ${url}`);
    }
    expect(out.stderr).toMatch(/bad-secret: "database\.password" holds a literal/);
    expect(out.stderr + out.stdout).not.toContain("hunter2");
    expect((await kiln(ws, "connectors", "apply")).code).toBe(1);
    expect(await client.listNames()).toStrictEqual(before);
  });

  it("apply has Connect validate each write: an invalid config is not written (create or update), located per key; the valid ones are", async () => {
    const ws = await workspace([
      { name: "val-bad", class: SOURCE, config: { topic: "val-t", file: "/tmp/val", "batch.size": "lots" } },
      { name: "val-good", class: SINK, config: { topics: "val-t", file: join(dataDir, "val-good.txt") } },
    ]);
    const out = await kiln(ws, "connectors", "apply");
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /val-bad\.yaml.*error: val-bad: batch\.size: Invalid value lots.*\(config\.batch\.size\)/,
    );
    expect(out.stderr).toContain("val-bad: Connect's validation refused the config");
    const names = await client.listNames();
    expect(names).toContain("val-good");
    expect(names).not.toContain("val-bad");
    // An update Connect refuses leaves the stored config as it was.
    const stored = await client.getConfig("val-good");
    const changed = await workspace([
      {
        name: "val-good",
        class: SINK,
        config: { topics: "val-t", file: join(dataDir, "val-good.txt"), "errors.tolerance": "sometimes" },
      },
    ]);
    const update = await kiln(changed, "connectors", "apply");
    expect(update.code).toBe(1);
    expect(update.stderr).toMatch(
      /val-good\.yaml.*error: val-good: errors\.tolerance: Invalid value sometimes.*\(config\.errors\.tolerance\)/,
    );
    expect(await client.getConfig("val-good")).toStrictEqual(stored);
    await deleteAll(client, "val-");
  });
});

describe("a failing task and its restart", () => {
  const name = "fail-sink";
  const outDir = () => join(dataDir, "not-yet-there");
  afterAll(() => client.delete(name).catch(() => undefined));

  it("--wait fails with the task's trace; once fixed, restart brings it to RUNNING", async () => {
    await rm(outDir(), { recursive: true, force: true });
    const ws = await workspace([
      { name, class: SINK, config: { topics: "fail-t", file: join(outDir(), "out.txt") } },
    ]);
    const applied = await kiln(ws, "connectors", "apply", "--wait", "--wait-timeout", "60");
    expect(applied.code).toBe(1);
    expect(applied.stderr).toContain(`${name} (RUNNING [0:FAILED])`);
    expect(applied.stderr).toMatch(/NoSuchFileException|Couldn't find or create file/);
    const status = await kiln(ws, "connectors", "status", "--traces");
    expect(status.stdout).toMatch(new RegExp(`${name}\\s+sink\\s+RUNNING\\s+0:FAILED`));

    // Auto-restart with a maximum: still broken, so it gives up after two restarts.
    const auto = await kiln(
      ws,
      "connectors",
      "restart",
      name,
      "--auto",
      "--max-restarts",
      "2",
      "--timeout",
      "60",
      "--json",
    );
    expect(auto.code).toBe(1);
    expect(auto.stderr).toContain(`restart ${name} (attempt 2)`);
    expect(auto.stderr).not.toContain(`restart ${name} (attempt 3)`);
    expect(JSON.parse(auto.stdout)).toMatchObject({ recovered: [], gaveUp: [{ name, restarts: 2 }] });

    await mkdir(outDir(), { recursive: true });
    const restarted = await kiln(ws, "connectors", "restart");
    expect(restarted.stdout).toContain(`restarted ${name}`);
    await eventually(
      "task RUNNING after restart",
      async () => (await client.status(name)).tasks[0]?.state === "RUNNING",
    );
  });
});

describe("--wait and a connector that generates no tasks", () => {
  const name = "zero-task-checkpoint";
  afterAll(() => client.delete(name).catch(() => undefined));

  it("settles on a MirrorCheckpointConnector whose groups match nothing: RUNNING, no tasks", async () => {
    const bootstrap = required("kafkaBootstrap");
    const ws = await workspace([
      {
        name,
        class: "org.apache.kafka.connect.mirror.MirrorCheckpointConnector",
        config: {
          "source.cluster.alias": "zt-src",
          "target.cluster.alias": "zt-dst",
          "source.cluster.bootstrap.servers": bootstrap,
          "target.cluster.bootstrap.servers": bootstrap,
          groups: "kiln-no-such-group-.*",
        },
      },
    ]);
    const applied = await kiln(ws, "connectors", "apply", "--wait", "--wait-timeout", "90");
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toContain(`done ${name} (RUNNING, no tasks (the connector generated none))`);
    const s = await client.status(name);
    expect(s.connector.state).toBe("RUNNING");
    expect(s.tasks).toStrictEqual([]);
    expect(await client.tasks(name)).toStrictEqual([]);
  });
});

describe("offsets reset and alter on a FileStreamSource", () => {
  const src = "off-source";
  const sink = "off-sink";
  // The sink is at-least-once (a rebalance may deliver a record twice): count with ≥.
  const count = async (file: string, line: string) =>
    (await readFile(file, "utf8").catch(() => "")).split("\n").filter((l) => l === line).length;
  afterAll(async () => {
    await deleteAll(client, "off-");
  });

  it("stops, backs up, changes offsets and restores the state; records are re-read", async () => {
    const input = join(dataDir, "off-in.txt");
    const output = join(dataDir, "off-out.txt");
    await writeFile(input, "alpha\nbeta\ngamma\n");
    await rm(output, { force: true });
    const files = (state: "running" | "stopped"): ConnectorFile[] => [
      { name: src, class: SOURCE, state, config: { topic: "off-t", file: input } },
      { name: sink, class: SINK, config: { topics: "off-t", file: output } },
    ];
    const ws = await workspace(files("running"));
    expect((await kiln(ws, "connectors", "apply", "--wait")).code).toBe(0);
    await eventually("3 lines copied", async () => (await count(output, "gamma")) >= 1);
    await eventually("source offsets committed", async () => {
      const o = await client.getOffsets(src);
      return o.offsets[0]?.offset?.position === 17;
    });

    // Reset on a RUNNING connector: stopped, backed up, reset, running again; all lines re-read.
    const reset = await kiln(ws, "connectors", "offsets", "reset", src, "--backup-dir", "backups", "--json");
    expect(reset.code).toBe(0);
    const r = JSON.parse(reset.stdout) as { backupFile: string; restoredState: string };
    expect(r.restoredState).toBe("RUNNING");
    const backup = JSON.parse(await readFile(r.backupFile, "utf8")) as {
      state: string;
      offsets: Array<{ partition: { filename: string }; offset: { position: number } }>;
    };
    expect(backup).toMatchObject({
      state: "RUNNING",
      offsets: [{ partition: { filename: input }, offset: { position: 17 } }],
    });
    expect((await client.status(src)).connector.state).toBe("RUNNING");
    await eventually("lines re-read after reset", async () => {
      for (const l of ["alpha", "beta", "gamma"]) if ((await count(output, l)) < 2) return false;
      return true;
    });
    await eventually(
      "offsets back at the end",
      async () => (await client.getOffsets(src)).offsets[0]?.offset?.position === 17,
    );

    // Alter on a STOPPED connector: it stays stopped, and the new offset is exactly what was set.
    await writeTree(ws, files("stopped"));
    expect((await kiln(ws, "connectors", "apply", "--wait")).code).toBe(0);
    await writeFile(
      join(ws, "offsets.json"),
      JSON.stringify({ offsets: [{ partition: { filename: input }, offset: { position: 11 } }] }),
    );
    const altered = await kiln(
      ws,
      "connectors",
      "offsets",
      "alter",
      src,
      "--file",
      "offsets.json",
      "--backup-dir",
      "backups",
    );
    expect(altered.code).toBe(0);
    expect((await client.status(src)).connector.state).toBe("STOPPED");
    expect((await client.getOffsets(src)).offsets).toStrictEqual([
      { partition: { filename: input }, offset: { position: 11 } },
    ]);
    // Running again, it reads from byte 11: "gamma" once more.
    const gammas = await count(output, "gamma");
    const alphas = await count(output, "alpha");
    await writeTree(ws, files("running"));
    expect((await kiln(ws, "connectors", "apply", "--wait")).code).toBe(0);
    await eventually("gamma re-read after alter", async () => (await count(output, "gamma")) > gammas);
    await eventually(
      "offsets at the end again",
      async () => (await client.getOffsets(src)).offsets[0]?.offset?.position === 17,
    );
    expect(await count(output, "alpha")).toBeLessThanOrEqual(alphas + 1);
  });
});

describe("secrets through a real FileConfigProvider", () => {
  const name = "secret-sink";
  afterAll(() => client.delete(name).catch(() => undefined));

  it("stores the placeholder, the worker resolves it", async () => {
    const secrets = join(required("connectSecretsDir"), "sink.properties");
    const resolvedOut = join(dataDir, "secret-resolved.txt");
    await writeFile(secrets, `path=${resolvedOut}\npassword=s3cr3t-value\n`);
    await rm(resolvedOut, { force: true });
    const ws = await workspace([
      {
        name,
        class: SINK,
        config: {
          topics: "secret-t",
          file: `\${file:${secrets}:path}`,
          "client.password": `\${file:${secrets}:password}`,
        },
      },
    ]);
    const planned = await kiln(ws, "connectors", "plan", "--json");
    expect(planned.code).toBe(2);
    expect(planned.stdout).not.toContain("s3cr3t-value");
    expect((await kiln(ws, "connectors", "apply", "--wait")).code).toBe(0);
    expect((await client.getConfig(name)).file).toBe(`\${file:${secrets}:path}`);
    // The task opened the resolved path: the provider ran on the worker.
    await eventually(
      "resolved sink file",
      async () => (await readFile(resolvedOut).catch(() => undefined)) !== undefined,
    );
    expect((await kiln(ws, "connectors", "plan")).code).toBe(0);
  });
});
