import { createHash, randomBytes } from "node:crypto";
import { copyFile, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Artifact,
  BlobStore,
  type ConfigFile,
  entriesUnder,
  type Image,
  type Layer,
  MediaType,
  makeImage,
  makeIndex,
  type PluginSource,
  parseReference,
  pushArtifact,
  type RegistryClient,
  resolveFiles,
  storedLayer,
  writeLayer,
} from "@kiln/builder";

/** A temp dir under the run's work dir (or the system's). */
export async function tempDir(prefix: string): Promise<string> {
  const base = join(tmpdir(), "kiln-test", "builder");
  await mkdir(base, { recursive: true });
  return mkdtemp(join(base, `${prefix}-`));
}

/** Writes files of random bytes (like jars) into a new plugin directory. */
export async function makePlugin(
  name: string,
  version: string,
  files: Record<string, number>,
): Promise<PluginSource> {
  const dir = await tempDir(`plugin-${name}`);
  for (const [path, size] of Object.entries(files)) {
    const abs = join(dir, ...path.split("/"));
    await mkdir(join(abs, ".."), { recursive: true });
    await writeFile(abs, randomBytes(size));
  }
  return { name, version, dir };
}

/** A Kafka-like rootfs layer: busybox as /bin/busybox and a fake /opt/kafka tree of `kafkaBytes` random bytes. */
export async function baseLayers(store: BlobStore, kafkaBytes = 256 * 1024): Promise<Layer[]> {
  const root = await tempDir("rootfs");
  await mkdir(join(root, "bin"), { recursive: true });
  await copyFile("/usr/bin/busybox", join(root, "bin", "busybox"));
  const os = await tempDir("kafka");
  await mkdir(join(os, "opt", "kafka", "libs"), { recursive: true });
  await mkdir(join(os, "opt", "kafka", "bin"), { recursive: true });
  const parts = Math.max(1, Math.ceil(kafkaBytes / (64 * 1024 * 1024)));
  for (let i = 0; i < parts; i++)
    await writeFile(
      join(os, "opt", "kafka", "libs", `kafka-part-${i}.jar`),
      randomBytes(Math.ceil(kafkaBytes / parts)),
    );
  await writeFile(join(os, "opt", "kafka", "bin", "kafka_connect_run.sh"), "#!/bin/sh\necho connect\n");
  const recipe = { compression: "gzip" as const, level: 1, epoch: 1_600_000_000 };
  const l1 = await writeLayer(
    entriesUnder("", await resolveFiles({ name: "rootfs", version: "1", dir: root })),
    recipe,
    store,
  );
  const l2 = await writeLayer(
    entriesUnder("", await resolveFiles({ name: "kafka", version: "1", dir: os })),
    recipe,
    store,
  );
  return [storedLayer(store, l1), storedLayer(store, l2)];
}

function baseConfig(layers: Layer[], architecture: string): ConfigFile {
  return {
    architecture,
    os: "linux",
    created: "2020-09-13T12:26:40Z",
    config: {
      User: "1001",
      Env: ["PATH=/bin", "KAFKA_HOME=/opt/kafka"],
      Cmd: ["/opt/kafka/bin/kafka_connect_run.sh"],
      WorkingDir: "/opt/kafka",
      Labels: { "org.opencontainers.image.title": "fake kafka" },
    },
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    history: layers.map(() => ({ created: "2020-09-13T12:26:40Z", created_by: "kiln test fixture" })),
  };
}

/**
 * A base image: one platform, or an index of two (amd64 and arm64 sharing the
 * same fake layers — only amd64 is ever run). `docker` picks Docker schema 2 types.
 */
export function baseArtifact(
  layers: Layer[],
  opts: { multiArch?: boolean; docker?: boolean } = {},
): Artifact {
  const mediaType = opts.docker ? MediaType.DOCKER_MANIFEST : MediaType.OCI_MANIFEST;
  const typed = layers.map((l) => ({
    ...l,
    descriptor: {
      ...l.descriptor,
      mediaType: opts.docker ? MediaType.DOCKER_LAYER_GZIP : MediaType.OCI_LAYER_GZIP,
    },
  }));
  const image = (arch: string): Image =>
    makeImage({
      mediaType,
      config: baseConfig(typed, arch),
      layers: typed,
      platform: { os: "linux", architecture: arch },
    });
  if (!opts.multiArch) return image("amd64");
  return makeIndex({
    mediaType: opts.docker ? MediaType.DOCKER_LIST : MediaType.OCI_INDEX,
    images: [image("amd64"), image("arm64")],
  });
}

/** Builds a base and pushes it to `ref`; returns it. */
export async function pushBase(
  client: RegistryClient,
  ref: string,
  opts: { multiArch?: boolean; docker?: boolean; kafkaBytes?: number; store?: BlobStore } = {},
): Promise<Artifact> {
  const store = opts.store ?? new BlobStore(await tempDir("base-store"));
  const art = baseArtifact(await baseLayers(store, opts.kafkaBytes), opts);
  await pushArtifact(client, art, parseReference(ref));
  return art;
}

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
