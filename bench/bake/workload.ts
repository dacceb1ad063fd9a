// Workload for the bake benchmark: a Kafka-like base of random bytes, and
// plugin directories of random "jars" (jars are already deflated: random
// bytes compress about as badly).
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import {
  BlobStore,
  type ConfigFile,
  entriesUnder,
  type Layer,
  MediaType,
  makeImage,
  type PluginSource,
  resolveFiles,
  storedLayer,
  writeLayer,
} from "@kiln/builder";

const MB = 1024 * 1024;

/** Writes `bytes` of random data to `file`, 8 MB at a time (never the whole file in memory). */
export async function randomFile(file: string, bytes: number): Promise<void> {
  await mkdir(join(file, ".."), { recursive: true });
  let left = bytes;
  await pipeline(
    (async function* () {
      while (left > 0) {
        const n = Math.min(left, 8 * MB);
        left -= n;
        yield randomBytes(n);
      }
    })(),
    createWriteStream(file),
  );
}

/** Eight plugins (or `count`) of `totalMb` in all, four jars each. Files carry sha256s, as the lock's resolver gives them. */
export async function makePlugins(
  root: string,
  totalMb: number,
  count = 8,
  tag = "v1",
): Promise<PluginSource[]> {
  const out: PluginSource[] = [];
  for (let i = 0; i < count; i++) out.push(await makePlugin(root, `plugin-${i}`, totalMb / count, tag));
  return out;
}

export async function makePlugin(root: string, name: string, mb: number, tag: string): Promise<PluginSource> {
  const dir = join(root, `${name}-${tag}`);
  await rm(dir, { recursive: true, force: true });
  const jars = 4;
  for (let j = 0; j < jars; j++)
    await randomFile(
      join(dir, j === 0 ? `${name}-${tag}.jar` : `lib/dep-${j}.jar`),
      Math.round((mb * MB) / jars),
    );
  const p: PluginSource = { name, version: tag, dir };
  p.files = (await resolveFiles(p)).map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 }));
  return p;
}

/** A ~`mb` MB base: busybox plus `/opt/kafka/libs` split over four layers, OCI, linux/amd64. */
export async function makeBase(
  root: string,
  mb: number,
): Promise<{ image: ReturnType<typeof makeImage>; store: BlobStore }> {
  const store = new BlobStore(join(root, "base-store"));
  const recipe = { compression: "gzip" as const, level: 1, epoch: 1_600_000_000 };
  const layers: Layer[] = [];
  const bin = join(root, "base-bin");
  await mkdir(join(bin, "bin"), { recursive: true });
  await copyFile("/usr/bin/busybox", join(bin, "bin", "busybox"));
  layers.push(
    storedLayer(
      store,
      await writeLayer(
        entriesUnder("", await resolveFiles({ name: "bin", version: "1", dir: bin })),
        recipe,
        store,
      ),
    ),
  );
  const parts = 4;
  for (let l = 0; l < parts; l++) {
    const dir = join(root, `base-libs-${l}`);
    const files = Math.max(1, Math.round(mb / parts / 10));
    for (let f = 0; f < files; f++)
      await randomFile(
        join(dir, "opt", "kafka", "libs", `lib-${l}-${f}.jar`),
        Math.round((mb * MB) / parts / files),
      );
    layers.push(
      storedLayer(
        store,
        await writeLayer(
          entriesUnder("", await resolveFiles({ name: "libs", version: "1", dir })),
          recipe,
          store,
        ),
      ),
    );
  }
  const config: ConfigFile = {
    architecture: "amd64",
    os: "linux",
    created: "2020-09-13T12:26:40Z",
    config: { User: "1001", Env: ["PATH=/bin"], Cmd: ["/bin/busybox", "true"] },
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    history: layers.map(() => ({ created: "2020-09-13T12:26:40Z", created_by: "bench base" })),
  };
  return { image: makeImage({ mediaType: MediaType.OCI_MANIFEST, config, layers }), store };
}
