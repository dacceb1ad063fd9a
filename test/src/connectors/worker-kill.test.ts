import { join } from "node:path";
import { applyPlan, ConnectClient, loadDeploymentFiles, planDeployment } from "@kiln/connectors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { required } from "../harness/inject.js";
import {
  type ConnectWorker,
  FILE_CONFIG_PROVIDER,
  resolveKafkaJars,
  startConnectWorker,
} from "../harness/kafka/index.js";
import { connectUrls, deleteAll, rawClient, SINK, workspace, writeTree } from "./support.js";

// A THIRD worker joins the shared group just for this test and is killed (SIGKILL, no graceful
// leave) in the middle of an apply that goes through it first; the apply must still converge.
describe("a worker killed during apply", () => {
  let third: ConnectWorker;
  const prefix = "kill-";
  const count = 24;

  beforeAll(async () => {
    const jars = await resolveKafkaJars(required("kafkaVersion"));
    third = await startConnectWorker({
      bootstrap: required("kafkaBootstrap"),
      groupId: required("connectGroupId"),
      workDir: join(required("workDir"), "connect-third"),
      name: "connect-3",
      version: required("kafkaVersion"),
      pluginPath: [jars.pluginsDir],
      configProviders: { file: FILE_CONFIG_PROVIDER },
    });
  });
  afterAll(async () => {
    await third?.stop();
    const c = rawClient();
    await deleteAll(c, prefix);
    await c.close();
  });

  it("converges: every connector created once with its config, all RUNNING", async () => {
    const connectors = Array.from({ length: count }, (_, i) => ({
      name: `${prefix}${String(i).padStart(2, "0")}`,
      class: SINK,
      config: { topics: `${prefix}t`, file: join(required("workDir"), `${prefix}${i}.txt`) },
    }));
    // The killed worker is the first URL kiln talks to.
    const ws = await workspace(connectors, { urls: [third.url, ...connectUrls()] });
    const files = await loadDeploymentFiles([join(ws, "connectors")]);
    let writes = 0;
    let killed: Promise<void> | undefined;
    const plan = await planDeployment({
      files,
      processEnv: process.env,
      baseDir: ws,
      client: {
        retry: { deadlineMs: 120_000 },
        requestTimeoutMs: 30_000,
        onRequest: (e) => {
          if (e.write && ++writes === 6) killed = third.kill();
        },
      },
    });
    try {
      expect(plan.diagnostics).toStrictEqual([]);
      const cluster = plan.clusters[0];
      if (!cluster) throw new Error("no cluster planned");
      const result = await applyPlan(cluster.client, cluster.plan, {
        concurrency: 4,
        wait: true,
        waitTimeoutMs: 120_000,
      });
      await killed;
      expect(third.process.child.signalCode).toBe("SIGKILL");
      expect(result.failed).toStrictEqual([]);
      expect(result.applied).toHaveLength(count);
      // Requests really hit the dead worker and were carried over to the survivors.
      expect(cluster.client.stats.retries).toBeGreaterThan(0);
    } finally {
      await plan.close();
    }
    const check = new ConnectClient({ urls: connectUrls() });
    try {
      const names = (await check.listNames()).filter((n) => n.startsWith(prefix)).sort();
      expect(names).toStrictEqual(connectors.map((c) => c.name));
      for (const c of connectors) expect((await check.getConfig(c.name)).file).toBe(c.config.file);
      // And a re-plan against the survivors is empty.
      await writeTree(ws, connectors, { urls: connectUrls() });
      const again = await planDeployment({
        files: await loadDeploymentFiles([join(ws, "connectors")]),
        processEnv: process.env,
        baseDir: ws,
        validate: false,
      });
      expect(
        again.clusters[0]?.plan.changes.filter((ch) => ch.kind !== "noop" && ch.kind !== "unmanaged"),
      ).toStrictEqual([]);
      await again.close();
    } finally {
      await check.close();
    }
  });
});
