import { createReadStream } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import {
  BlobStore,
  bake,
  parseReference,
  pushArtifact,
  RegistryClient,
  resolveFiles,
  singleImage,
} from "@kiln/builder";
import { buildInEngine, dockerClient, loadIntoEngine } from "@kiln/builder/docker";
import { main } from "@kiln/cli";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demux, follow } from "../harness/docker.js";
import { required } from "../harness/inject.js";
import { makePlugin, pushBase, tempDir } from "./fixtures.js";

const recipe = { compression: "gzip" as const, level: 1, epoch: 1_700_000_000 };

/** Splits docker's multiplexed log stream (8-byte frame headers) into text. */

/** Runs a command in a container (no network), returning its output; fails on a non-zero exit. */
async function runIn(docker: Docker, image: string, cmd: string[], user?: string): Promise<string> {
  const c = await docker.createContainer({
    Image: image,
    Cmd: cmd,
    ...(user ? { User: user } : {}),
    HostConfig: { NetworkMode: "none" },
  });
  try {
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    const logs = demux((await c.logs({ stdout: true, stderr: true })) as unknown as Buffer);
    if (StatusCode !== 0) throw new Error(`${cmd.join(" ")} exited ${StatusCode}: ${logs}`);
    return logs;
  } finally {
    await c.remove({ force: true });
  }
}

/** The plugin tree as the image's user (1001) sees it: type, owner, mode, size, path, and each file's sha256. */
async function pluginTree(docker: Docker, image: string): Promise<string[]> {
  const bb = "/bin/busybox";
  const stat = await runIn(docker, image, [
    bb,
    "find",
    "/opt/kafka/plugins",
    "-exec",
    bb,
    "stat",
    "-c",
    "%F|%u|%g|%a|%s|%n",
    "{}",
    ";",
  ]);
  const sums = await runIn(docker, image, [
    bb,
    "find",
    "/opt/kafka/plugins",
    "-type",
    "f",
    "-exec",
    bb,
    "sha256sum",
    "{}",
    ";",
  ]);
  return [...stat.trim().split("\n"), ...sums.trim().split("\n")]
    .map((l) => l.replace(/^directory\|(\d+)\|(\d+)\|(\d+)\|\d+\|/, "directory|$1|$2|$3|-|"))
    .sort();
}

describe("the Docker engine paths produce the same plugin tree", () => {
  const host = required("registryPlain");
  const docker = dockerClient(required("dockerHost"));
  const client = new RegistryClient({ insecure: [host] });
  let store: BlobStore;
  let plugins: Awaited<ReturnType<typeof makePlugin>>[];

  beforeAll(async () => {
    store = new BlobStore(await tempDir("docker-cache"));
    await pushBase(client, `${host}/dk/kafka:1`, { multiArch: true });
    plugins = [
      await makePlugin("jdbc-sink", "10.8.0", {
        "kafka-connect-jdbc.jar": 200_000,
        "lib/postgresql.jar": 50_000,
      }),
      await makePlugin("s3-sink", "11.0.1", { "s3.jar": 150_000 }),
    ];
  });
  afterAll(() => client.close());

  it("pushed daemonless, pulled by the engine, run as user 1001", async () => {
    const result = await bake(client, store, { base: `${host}/dk/kafka:1`, plugins, recipe });
    await pushArtifact(client, result.artifact, parseReference(`${host}/dk/connect:1`));
    await follow(docker, await docker.pull(`${host}/dk/connect:1`));
    const tree = await pluginTree(docker, `${host}/dk/connect:1`);
    const expected: string[] = ["directory|0|0|755|-|/opt/kafka/plugins"];
    for (const p of plugins) {
      expected.push(`directory|0|0|755|-|/opt/kafka/plugins/${p.name}`);
      for (const f of await resolveFiles(p)) {
        expected.push(`regular file|0|0|644|${f.size}|/opt/kafka/plugins/${p.name}/${f.path}`);
        expected.push(`${f.sha256}  /opt/kafka/plugins/${p.name}/${f.path}`);
      }
    }
    expected.push("directory|0|0|755|-|/opt/kafka/plugins/jdbc-sink/lib");
    expect(tree).toStrictEqual(expected.sort());
    const inspect = await docker.getImage(`${host}/dk/connect:1`).inspect();
    expect(inspect.Config.User).toBe("1001");
    expect(inspect.Config.Labels?.["dev.kiln.plugins"]).toBe("jdbc-sink@10.8.0,s3-sink@11.0.1");

    // docker load of the same image gives the same tree, and the same image ID (the config digest).
    const img = singleImage(result.artifact);
    await loadIntoEngine(docker, img, "kiln-loaded/connect:1");
    expect(await pluginTree(docker, "kiln-loaded/connect:1")).toStrictEqual(tree);
    expect((await docker.getImage("kiln-loaded/connect:1").inspect()).Id).toBe(img.manifest.config.digest);

    // The Dockerfile path (COPY per plugin) builds the same tree into the engine.
    const resolved = await Promise.all(
      plugins.map(async (p) => ({ name: p.name, files: await resolveFiles(p) })),
    );
    await buildInEngine(docker, {
      base: `${host}/dk/kafka:1`,
      plugins: resolved,
      labels: result.labels,
      tag: "kiln-built/connect:1",
      epoch: recipe.epoch,
    });
    expect(await pluginTree(docker, "kiln-built/connect:1")).toStrictEqual(tree);

    // kiln bake --output docker and docker-archive: the same image (the config digest is the image ID).
    const cwd = await tempDir("cli-docker");
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = "";
    let err = "";
    stdout.on("data", (d) => (out += d));
    stderr.on("data", (d) => (err += d));
    const archive = join(cwd, "connect.tar");
    const code = await main(
      [
        "bake",
        "--base",
        `${host}/dk/kafka:1`,
        ...plugins.flatMap((p) => ["--plugin-dir", `${p.name}=${p.dir}`]),
        "--insecure-registry",
        host,
        "--output",
        "docker",
        `docker-archive:${archive}`,
        "--json",
      ],
      {
        stdout,
        stderr,
        cwd,
        env: {
          PATH: process.env.PATH,
          HOME: cwd,
          KILN_CACHE: join(cwd, "cache"),
          SOURCE_DATE_EPOCH: String(recipe.epoch),
          DOCKER_HOST: required("dockerHost"),
          CI: "true",
        },
      },
    );
    expect(err).not.toMatch(/kiln:/);
    expect(code).toBe(0);
    const [r] = JSON.parse(out) as Array<{ digest: string; outputs: string[] }>;
    const output = r?.outputs.find((o) => o.startsWith("docker:"));
    expect(output).toBeDefined();
    const tag = (output as string).slice("docker:".length);
    expect(await pluginTree(docker, tag)).toStrictEqual(tree);
    // The archive is the same image: loading it under another name gives the same image ID.
    const viaEngine = (await docker.getImage(tag).inspect()).Id;
    await docker.getImage(tag).remove({ force: true });
    await follow(docker, await docker.loadImage(createReadStream(archive)));
    expect((await docker.getImage(tag).inspect()).Id).toBe(viaEngine);
  });
});
