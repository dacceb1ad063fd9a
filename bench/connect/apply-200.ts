// Applies 200 FileStream connectors to fresh Connect workers with kiln (plan with Connect-side
// validation, then apply with bounded concurrency) versus a sequential create loop (one
// POST /connectors after another, as kcctl does), in one run; then re-applies the unchanged
// files with kiln once every connector and task runs. Goals (issue 7): creation ≥ 2× faster than
// the loop; the no-op re-apply issues 0 writes and takes < 2 s. kiln runs at the target's default
// concurrency unless BENCH_CONCURRENCY is set.
//   npx tsx --conditions kiln-src bench/connect/apply-200.ts [count]
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import {
  applyPlan,
  type ConnectorStatus,
  DEFAULT_CONCURRENCY,
  loadDeploymentFiles,
  planDeployment,
} from "@kiln/connectors";
import { request } from "undici";
import {
  type ConnectWorker,
  FILE_CONFIG_PROVIDER,
  resolveKafkaJars,
  startConnectWorker,
  startKafka,
} from "../../test/src/harness/kafka/index.js";

const COUNT = Number(process.argv[2] ?? 200);
const CONCURRENCY = process.env.BENCH_CONCURRENCY ? Number(process.env.BENCH_CONCURRENCY) : undefined;
const SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector";
const work = await mkdtemp(join(tmpdir(), "kiln-bench-connect-"));
const jars = await resolveKafkaJars();
const kafka = await startKafka({ workDir: join(work, "kafka") });
const running: ConnectWorker[] = [];

const config = (group: string, i: number) => ({
  "connector.class": SINK,
  "tasks.max": "1",
  topics: `${group}-topic`,
  file: join(work, "out", `${group}-${i}.txt`),
});
const nameOf = (group: string, i: number) => `${group}-${String(i).padStart(3, "0")}`;

async function workers(group: string): Promise<ConnectWorker[]> {
  const started: ConnectWorker[] = [];
  for (const n of [1, 2]) {
    const w = await startConnectWorker({
      bootstrap: kafka.bootstrap,
      groupId: group,
      workDir: join(work, group),
      name: `${group}-${n}`,
      pluginPath: [jars.pluginsDir],
      configProviders: { file: FILE_CONFIG_PROVIDER },
      heap: "512m",
    });
    started.push(w);
    running.push(w);
  }
  return started;
}

/** Polls until `count` connectors each run with all tasks RUNNING: the same measure for both sides. */
async function allRunning(url: string, count: number): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const res = await request(`${url}/connectors?expand=status`);
    const body = (await res.body.json()) as Record<string, { status: ConnectorStatus }>;
    const running = Object.values(body).filter(
      ({ status }) =>
        status.connector.state === "RUNNING" &&
        status.tasks.length > 0 &&
        status.tasks.every((t) => t.state === "RUNNING"),
    );
    if (running.length === count) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`connectors at ${url} not all RUNNING after 300 s`);
}

async function stopAll(ws: ConnectWorker[]) {
  await Promise.all(ws.map((w) => w.stop()));
}

try {
  await mkdir(join(work, "out"), { recursive: true });

  // Baseline: a sequential loop against fresh workers.
  const seqWorkers = await workers("bench-seq");
  const url = seqWorkers[0]?.url as string;
  const t0 = performance.now();
  for (let i = 0; i < COUNT; i++) {
    const res = await request(`${url}/connectors`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: nameOf("seq", i), config: config("seq", i) }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 201) throw new Error(`sequential create ${i}: HTTP ${res.statusCode} ${text}`);
  }
  const seqMs = performance.now() - t0;
  await allRunning(url, COUNT);
  const seqRunningMs = performance.now() - t0;
  await stopAll(seqWorkers);

  // kiln: files → plan (validation included) → apply, against other fresh workers.
  const kilnWorkers = await workers("bench-kiln");
  const ws = join(work, "repo", "connectors");
  await mkdir(ws, { recursive: true });
  await writeFile(
    join(ws, "_target.yaml"),
    JSON.stringify({
      apiVersion: "kiln.dev/v1",
      kind: "ConnectTarget",
      name: "bench",
      urls: kilnWorkers.map((w) => w.url),
      ...(CONCURRENCY ? { concurrency: CONCURRENCY } : {}),
    }),
  );
  for (let i = 0; i < COUNT; i++) {
    const c = config("kiln", i);
    await writeFile(
      join(ws, `${nameOf("kiln", i)}.yaml`),
      JSON.stringify({
        apiVersion: "kiln.dev/v1",
        kind: "Connector",
        name: nameOf("kiln", i),
        connectCluster: "bench",
        plugin: { name: "kafka-file", class: SINK },
        tasksMax: 1,
        config: { topics: c.topics, file: c.file },
      }),
    );
  }
  const run = async (settle = false) => {
    const start = performance.now();
    const files = await loadDeploymentFiles([ws]);
    const plan = await planDeployment({ files, processEnv: process.env, baseDir: join(work, "repo") });
    const planned = performance.now();
    if (plan.diagnostics.length > 0) throw new Error(plan.diagnostics.map((d) => d.message).join("\n"));
    const cluster = plan.clusters[0];
    if (!cluster) throw new Error("no cluster");
    const writesBefore = cluster.client.stats.writes;
    if (process.env.BENCH_DEBUG) {
      const pend = cluster.plan.changes.filter((c) => c.kind !== "noop");
      console.error(
        `pending: ${pend.length}`,
        pend.slice(0, 5).map((c) => [c.name, c.kind, c.diff, c.fromState]),
      );
    }
    const result = await applyPlan(cluster.client, cluster.plan, {
      concurrency: CONCURRENCY ?? cluster.target.concurrency ?? DEFAULT_CONCURRENCY,
    });
    const done = performance.now();
    // The no-op re-apply is measured on a settled cluster, as the next CI run would meet it.
    if (settle) await allRunning(cluster.client.activeUrl, COUNT);
    const settled = performance.now();
    await plan.close();
    if (result.failed.length > 0) throw new Error(JSON.stringify(result.failed.slice(0, 3)));
    return {
      totalMs: done - start,
      planMs: planned - start,
      applyMs: done - planned,
      runningMs: settled - start,
      writes: cluster.client.stats.writes - writesBefore,
      retries: cluster.client.stats.retries,
      applied: result.applied.length,
    };
  };
  const first = await run(true);
  const noop = await run();
  await stopAll(kilnWorkers);

  const f = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`connectors: ${COUNT} FileStreamSink, 2 fresh distributed workers each, Kafka ${jars.version}`);
  console.log(`sequential create loop (baseline)   ${f(seqMs)}   ${COUNT} writes`);
  console.log(
    `kiln apply (plan+validate+apply)    ${f(first.totalMs)}   ${first.writes} writes  (plan ${f(first.planMs)}, apply ${f(first.applyMs)}, ${first.retries} conflict retries, concurrency ${CONCURRENCY ?? DEFAULT_CONCURRENCY})`,
  );
  console.log(`speed-up vs sequential              ${(seqMs / first.totalMs).toFixed(2)}×  (goal ≥ 2×)`);
  console.log(
    `until every task RUNNING            ${f(seqRunningMs)} sequential, ${f(first.runningMs)} kiln  (${(seqRunningMs / first.runningMs).toFixed(2)}×)`,
  );
  console.log(
    `kiln no-op re-apply                 ${f(noop.totalMs)}   ${noop.writes} writes  (goal: 0 writes, < 2 s)`,
  );
  if (first.applied !== COUNT) console.log(`WARNING: kiln applied ${first.applied} of ${COUNT}`);
} finally {
  await Promise.allSettled(running.map((w) => w.stop()));
  await kafka.stop();
  await rm(work, { recursive: true, force: true });
}
