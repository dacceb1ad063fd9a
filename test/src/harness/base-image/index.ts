import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import {
  type Artifact,
  type ConfigFile,
  type Digest,
  type Layer,
  MediaType,
  makeImage,
  parseReference,
  pushArtifact,
  type RegistryClient,
  readLayout,
  writeLayout,
} from "@kiln/builder";
import { DEFAULT_KAFKA_VERSION, resolveKafkaJars, writeLog4j2 } from "../kafka/index.js";

/**
 * A real Kafka Connect base image, made here because no public registry is reachable:
 * Debian bookworm (debootstrap, variant minbase) with openjdk-17-jre-headless, Kafka's jars
 * (from Maven, as the harness resolves them) under /opt/kafka/libs, and an entrypoint that
 * writes worker properties from `CONNECT_*` variables and runs ConnectDistributed as user 1001.
 *
 * Built once into an OCI layout under ~/.cache/kiln-test/base-image/<key>/ (the key covers
 * every input), read back from there on later runs.
 */
export interface KafkaBaseImage {
  /** The OCI layout directory. */
  dir: string;
  key: string;
  artifact: Artifact;
  /** Milliseconds spent building it now; undefined when it came from the cache. */
  buildMs?: number;
}

export const BASE_SUITE = "bookworm";
export const BASE_PACKAGES = ["openjdk-17-jre-headless"];
const RECIPE_VERSION = 1;
const EPOCH = 1_700_000_000;
const JAVA_HOME = "/usr/lib/jvm/java-17-openjdk-amd64";

/**
 * `CONNECT_BOOTSTRAP_SERVERS=…` becomes `bootstrap.servers=…` (lowercase, `_` → `.`,
 * `__` → `_`), as Confluent's and Strimzi's images map their variables. plugin.path defaults
 * to /opt/kafka/plugins, where kiln bakes plugins.
 */
export const ENTRYPOINT = `#!/bin/sh
set -eu
props=/tmp/connect.properties
echo "plugin.path=/opt/kafka/plugins" > "$props"
env | grep '^CONNECT_' | while IFS='=' read -r name value; do
  key=$(echo "\${name#CONNECT_}" | tr 'A-Z' 'a-z' | sed -e 's/__/@/g' -e 's/_/./g' -e 's/@/_/g')
  echo "$key=$value" >> "$props"
done
exec "${JAVA_HOME}/bin/java" \${KAFKA_HEAP_OPTS:--Xmx384m -Xms64m} \${KAFKA_JVM_OPTS:-} \\
  -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties \\
  -cp '/opt/kafka/libs/*' org.apache.kafka.connect.cli.ConnectDistributed "$props"
`;

function cacheRoot(): string {
  return join(process.env.KILN_TEST_CACHE ?? join(homedir(), ".cache", "kiln-test"), "base-image");
}

function sh(cmd: string, args: string[], opts: { log?: string } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = opts.log ? createWriteStream(opts.log, { flags: "a" }) : undefined;
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    const keep = (d: Buffer) => {
      tail = (tail + d.toString()).slice(-4000);
      out?.write(d);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", reject);
    child.on("close", (code) => {
      out?.end();
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${tail}`));
    });
  });
}

/** Hashes what passes through. */
function hashing(): { stream: PassThrough; digest: () => Digest; size: () => number } {
  const h = createHash("sha256");
  let n = 0;
  const stream = new PassThrough();
  stream.on("data", (d: Buffer) => {
    h.update(d);
    n += d.length;
  });
  return { stream, digest: () => `sha256:${h.digest("hex")}` as Digest, size: () => n };
}

/**
 * One gzip layer of `dir`'s tree made by GNU tar (devices, symlinks, hard links and owners
 * kept as tar keeps them; names sorted, mtimes fixed), written to `out`.
 */
async function tarLayer(dir: string, out: string, extra: string[] = []): Promise<Layer> {
  const tar = spawn(
    "tar",
    [
      "--sort=name",
      `--mtime=@${EPOCH}`,
      "--numeric-owner",
      "--format=posix",
      "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime",
      ...extra,
      "-C",
      dir,
      "-cf",
      "-",
      ".",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let err = "";
  tar.stderr.on("data", (d) => (err += d));
  const exited = new Promise<number>((r) => tar.on("close", (c) => r(c ?? 1)));
  const raw = hashing();
  const gz = hashing();
  await pipeline(tar.stdout, raw.stream, createGzip({ level: 1 }), gz.stream, createWriteStream(out));
  if ((await exited) !== 0) throw new Error(`tar of ${dir} failed: ${err}`);
  const descriptor = { mediaType: MediaType.OCI_LAYER_GZIP, digest: gz.digest(), size: gz.size() };
  return { descriptor, diffId: raw.digest(), open: async () => createReadStream(out) };
}

async function inputsKey(kafkaVersion: string, libDir: string): Promise<string> {
  const libs = (await readdir(libDir)).sort();
  const sizes = await Promise.all(libs.map(async (f) => `${f}:${(await stat(join(libDir, f))).size}`));
  return createHash("sha256")
    .update(
      JSON.stringify({
        RECIPE_VERSION,
        suite: BASE_SUITE,
        packages: BASE_PACKAGES,
        kafkaVersion,
        libs: sizes,
        entrypoint: ENTRYPOINT,
      }),
    )
    .digest("hex")
    .slice(0, 16);
}

/** The Kafka base image for `kafkaVersion`, from the cache or built now (needs root for debootstrap). */
export async function kafkaBaseImage(
  opts: { kafkaVersion?: string; log?: (line: string) => void } = {},
): Promise<KafkaBaseImage> {
  const version = opts.kafkaVersion ?? DEFAULT_KAFKA_VERSION;
  const jars = await resolveKafkaJars(version);
  const key = await inputsKey(version, jars.libDir);
  const dir = join(cacheRoot(), `kafka-${version}-${key}`);
  if (existsSync(join(dir, ".complete"))) return { dir, key, artifact: await readLayout(dir) };

  if (process.getuid?.() !== 0)
    throw new Error(
      "building the Kafka base image needs root (debootstrap); run the suite as root, as CI does",
    );
  const started = Date.now();
  const staging = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const log = join(staging, "build.log");
  try {
    const rootfs = join(staging, "rootfs");
    const mirror = process.env.KILN_TEST_DEBIAN_MIRROR ?? "http://deb.debian.org/debian";
    opts.log?.(`debootstrap ${BASE_SUITE} (minbase + ${BASE_PACKAGES.join(", ")}) from ${mirror}`);
    await sh(
      "debootstrap",
      ["--variant=minbase", `--include=${BASE_PACKAGES.join(",")}`, BASE_SUITE, rootfs, mirror],
      { log },
    );
    // What a container image leaves out: package caches and lists, logs, runtime mounts.
    for (const d of [
      "var/cache/apt/archives",
      "var/lib/apt/lists",
      "var/log",
      "dev",
      "proc",
      "sys",
      "run",
      "tmp",
    ]) {
      await rm(join(rootfs, d), { recursive: true, force: true });
      await mkdir(join(rootfs, d), { recursive: true });
    }
    await chmod(join(rootfs, "tmp"), 0o1777);

    const kafka = join(staging, "kafka");
    const home = join(kafka, "opt", "kafka");
    for (const d of ["libs", "bin", "config", "plugins"]) await mkdir(join(home, d), { recursive: true });
    await sh("cp", ["-r", "--", `${jars.libDir}/.`, join(home, "libs")]);
    await writeFile(join(home, "bin", "kiln-connect-entrypoint.sh"), ENTRYPOINT, { mode: 0o755 });
    await writeLog4j2(join(home, "config"));
    await sh("chmod", ["-R", "u=rwX,go=rX", home]);

    const blobs = join(staging, "layers");
    await mkdir(blobs);
    opts.log?.("writing layers");
    const layers = [
      await tarLayer(rootfs, join(blobs, "rootfs.tar.gz")),
      await tarLayer(kafka, join(blobs, "kafka.tar.gz"), ["--owner=0", "--group=0"]),
    ];
    const created = new Date(EPOCH * 1000).toISOString().replace(".000Z", "Z");
    const config: ConfigFile = {
      architecture: "amd64",
      os: "linux",
      created,
      config: {
        User: "1001",
        Env: ["PATH=/usr/local/bin:/usr/bin:/bin", `JAVA_HOME=${JAVA_HOME}`, "KAFKA_HOME=/opt/kafka"],
        Entrypoint: ["/opt/kafka/bin/kiln-connect-entrypoint.sh"],
        WorkingDir: "/opt/kafka",
        Labels: {
          "org.opencontainers.image.title": `kiln test Kafka ${version} base (Debian ${BASE_SUITE})`,
        },
      },
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
      history: [
        { created, created_by: `debootstrap --variant=minbase ${BASE_SUITE} + ${BASE_PACKAGES.join(" ")}` },
        { created, created_by: `Kafka ${version} jars from Maven Central, entrypoint` },
      ],
    };
    const image = makeImage({
      mediaType: MediaType.OCI_MANIFEST,
      config,
      layers,
      platform: { os: "linux", architecture: "amd64" },
    });
    const layout = join(staging, "oci");
    await writeLayout(layout, image, { refName: `kiln-test/kafka:${version}` });
    await writeFile(join(layout, "build.log"), await readFile(log));
    await writeFile(join(layout, ".complete"), `${new Date().toISOString()} ${Date.now() - started}ms\n`);
    await mkdir(cacheRoot(), { recursive: true });
    try {
      await rename(layout, dir);
    } catch (err) {
      if (!existsSync(join(dir, ".complete"))) throw err;
    }
  } finally {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
  return { dir, key, artifact: await readLayout(dir), buildMs: Date.now() - started };
}

/** Pushes the base image to `ref` (e.g. `127.0.0.1:5000/kafka:4.3.1`); returns its digest. */
export async function pushKafkaBaseImage(
  client: RegistryClient,
  ref: string,
  base: KafkaBaseImage,
): Promise<Digest> {
  await pushArtifact(client, base.artifact, parseReference(ref));
  return base.artifact.digest;
}
