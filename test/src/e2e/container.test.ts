import { randomBytes } from "node:crypto";
import { RegistryClient } from "@kiln/builder";
import { dockerClient } from "@kiln/builder/docker";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kafkaBaseImage, pushKafkaBaseImage } from "../harness/base-image/index.js";
import { demux, follow } from "../harness/docker.js";
import { required } from "../harness/inject.js";
import { freePort } from "../harness/ports.js";
import { CATALOG_DIR, e2eDir, eventually, kiln, LOCKFILE } from "./support.js";

/*
 * The baked image really runs: a Kafka Connect base image made locally (Debian bookworm +
 * OpenJDK 17 + Kafka's jars, cached under ~/.cache/kiln-test/base-image), plugins from the
 * catalog baked onto it by `kiln bake` and pushed to the real registry, then pulled by digest
 * and run by the real Docker engine (service `dockerd`) as a distributed worker against the
 * test broker (service `kafka`, on 127.0.0.1: the container shares the host's network).
 */

const PLUGINS = ["debezium-postgres", "kafka-connect-file"];

describe("a baked Connect image runs in the Docker engine", () => {
  const registry = required("registryPlain");
  const docker = dockerClient(required("dockerHost"));
  const client = new RegistryClient({ insecure: [registry] });
  const suffix = randomBytes(3).toString("hex");
  let image: string;
  let container: Docker.Container | undefined;

  beforeAll(async () => {
    const work = await e2eDir("container");
    const base = await kafkaBaseImage({ kafkaVersion: required("kafkaVersion") });
    if (base.buildMs !== undefined)
      process.stderr.write(
        `built the Kafka base image in ${(base.buildMs / 1000).toFixed(1)} s (${base.dir})\n`,
      );
    const baseRef = `${registry}/e2e-container/kafka:${required("kafkaVersion")}`;
    await pushKafkaBaseImage(client, baseRef, base);
    const baked = await kiln(work, [
      "bake",
      "--base",
      baseRef,
      "--plugin",
      ...PLUGINS,
      "--push",
      `${registry}/e2e-container/connect:${suffix}`,
      "--insecure-registry",
      registry,
      "--catalog",
      CATALOG_DIR,
      "--lockfile",
      LOCKFILE,
      "--out",
      `${work}/out`,
      "--json",
    ]);
    if (baked.code !== 0) throw new Error(`kiln bake exited ${baked.code}:\n${baked.stderr}`);
    const [report] = JSON.parse(baked.stdout) as Array<{ digest: string; base: string }>;
    expect(report?.base).toContain(base.artifact.digest);
    image = `${registry}/e2e-container/connect@${report?.digest}`;
    await follow(docker, await docker.pull(image));
  }, 1_200_000);

  afterAll(async () => {
    if (container) {
      await container.remove({ force: true }).catch(() => undefined);
      // Gone: stopped and removed, nothing left running in the engine.
      await expect(container.inspect()).rejects.toThrow(/no such container/i);
    }
    // The engine's copy of the image (~400 MB unpacked) goes too.
    if (image)
      await docker
        .getImage(image)
        .remove({ force: true })
        .catch(() => undefined);
    await client.close();
  });

  it("starts a worker from the image whose GET /connector-plugins lists the baked connectors", async () => {
    const port = await freePort();
    const group = `kiln-e2e-container-${suffix}`;
    const env = {
      CONNECT_BOOTSTRAP_SERVERS: required("kafkaBootstrap"),
      CONNECT_GROUP_ID: group,
      CONNECT_CONFIG_STORAGE_TOPIC: `${group}-configs`,
      CONNECT_OFFSET_STORAGE_TOPIC: `${group}-offsets`,
      CONNECT_STATUS_STORAGE_TOPIC: `${group}-status`,
      CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR: "1",
      CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR: "1",
      CONNECT_STATUS_STORAGE_REPLICATION_FACTOR: "1",
      CONNECT_KEY_CONVERTER: "org.apache.kafka.connect.json.JsonConverter",
      CONNECT_VALUE_CONVERTER: "org.apache.kafka.connect.json.JsonConverter",
      CONNECT_LISTENERS: `http://127.0.0.1:${port}`,
      CONNECT_REST_ADVERTISED_HOST_NAME: "127.0.0.1",
      KAFKA_HEAP_OPTS: "-Xmx384m -Xms64m",
      KAFKA_JVM_OPTS: "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    };
    container = await docker.createContainer({
      Image: image,
      name: `kiln-e2e-connect-${suffix}`,
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      HostConfig: { NetworkMode: "host", Memory: 768 * 1024 * 1024 },
    });
    await container.start();
    const info = await container.inspect();
    expect(info.Config.User).toBe("1001");
    expect(info.Config.Labels?.["dev.kiln.plugins"]).toMatch(
      /^debezium-postgres@3\.6\.3\.Final,kafka-connect-file@4\.3\.1$/,
    );

    const logs = async () =>
      `--- container logs\n${demux((await container?.logs({ stdout: true, stderr: true, tail: 60 })) as unknown as Buffer)}`;
    const plugins = await eventually(
      "GET /connector-plugins from the container",
      async () => {
        const state = await container?.inspect();
        if (!state?.State.Running)
          throw new Error(`container exited (${state?.State.ExitCode})\n${await logs()}`);
        const res = await fetch(`http://127.0.0.1:${port}/connector-plugins`, {
          signal: AbortSignal.timeout(5000),
        });
        if (res.status !== 200) return undefined;
        return (await res.json()) as Array<{ class: string; type: string; version: string }>;
      },
      { timeoutMs: 180_000, describe: logs },
    );
    const byClass = Object.fromEntries(plugins.map((p) => [p.class, `${p.type} ${p.version}`]));
    expect(byClass).toMatchObject({
      "io.debezium.connector.postgresql.PostgresConnector": "source 3.6.3.Final",
      "org.apache.kafka.connect.file.FileStreamSourceConnector": "source 4.3.1",
      "org.apache.kafka.connect.file.FileStreamSinkConnector": "sink 4.3.1",
    });
    // Only the baked plugins (and Kafka's own MirrorMaker connectors) are there.
    expect(plugins.map((p) => p.class).sort()).toStrictEqual(
      [
        "io.debezium.connector.postgresql.PostgresConnector",
        "org.apache.kafka.connect.file.FileStreamSinkConnector",
        "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "org.apache.kafka.connect.mirror.MirrorCheckpointConnector",
        "org.apache.kafka.connect.mirror.MirrorHeartbeatConnector",
        "org.apache.kafka.connect.mirror.MirrorSourceConnector",
      ].sort(),
    );
  }, 300_000);
});
