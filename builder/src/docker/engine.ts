import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { KilnError } from "@kiln/schemas/core";
import Docker from "dockerode";
import { pack } from "tar-stream";
import type { ResolvedFile } from "../layer/source.js";
import type { Image } from "../model/image.js";
import { PLUGINS_ROOT } from "../mutate/plugins.js";
import { dockerArchiveStream } from "./archive.js";

export class DockerEngineError extends KilnError {}

export function dockerClient(host?: string): Docker {
  const h = host ?? process.env.DOCKER_HOST;
  if (h?.startsWith("unix://")) return new Docker({ socketPath: h.slice("unix://".length) });
  if (h?.startsWith("tcp://")) {
    const u = new URL(h.replace("tcp://", "http://"));
    return new Docker({ host: u.hostname, port: Number(u.port || 2375) });
  }
  return new Docker();
}

/** Reads a docker JSON-lines progress stream to its end, failing on an `error` line. */
async function followProgress(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  what: string,
): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: Array<Record<string, unknown>>) => {
      if (err)
        return reject(
          new DockerEngineError(`${what} failed in the Docker engine: ${err.message}`, { cause: err }),
        );
      const bad = out.find((o) => o.error || o.errorDetail);
      if (bad)
        return reject(
          new DockerEngineError(
            `${what} failed in the Docker engine: ${String(bad.error ?? JSON.stringify(bad.errorDetail))}`,
          ),
        );
      resolve(out);
    });
  });
}

/** `docker load` of the daemonless image: the engine gets exactly the bytes the registry would. */
export async function loadIntoEngine(docker: Docker, img: Image, tag: string): Promise<void> {
  const stream = await docker.loadImage(
    (await dockerArchiveStream(img, [tag])) as unknown as NodeJS.ReadableStream,
    {
      quiet: true,
    },
  );
  await followProgress(docker, stream, `loading ${tag}`);
}

export interface DockerfilePlugin {
  name: string;
  files: ResolvedFile[];
}

/** The Dockerfile the engine path builds: one COPY (one layer) per plugin, root-owned, like the daemonless layers. */
export function generateDockerfile(
  base: string,
  plugins: DockerfilePlugin[],
  labels: Record<string, string>,
): string {
  const lines = [`FROM ${base}`];
  for (const p of [...plugins].sort((a, b) => (a.name < b.name ? -1 : 1)))
    lines.push(`COPY --chown=0:0 plugins/${p.name}/ /${PLUGINS_ROOT}/${p.name}/`);
  const keys = Object.keys(labels).sort();
  if (keys.length)
    lines.push(
      `LABEL ${keys.map((k) => `${JSON.stringify(k)}=${JSON.stringify(labels[k])}`).join(" \\\n      ")}`,
    );
  return `${lines.join("\n")}\n`;
}

/** Streams the build context: the Dockerfile and each plugin's files, modes normalised like the daemonless layers. */
export function buildContext(dockerfile: string, plugins: DockerfilePlugin[], epoch: number): Readable {
  const p = pack();
  const mtime = new Date(epoch * 1000);
  (async () => {
    await new Promise<void>((res, rej) =>
      p.entry({ name: "Dockerfile", mtime, mode: 0o644 }, dockerfile, (e) => (e ? rej(e) : res())),
    );
    for (const pl of plugins)
      for (const f of pl.files) {
        await new Promise<void>((res, rej) => {
          const sink = p.entry(
            {
              name: `plugins/${pl.name}/${f.path}`,
              size: f.size,
              mtime,
              mode: f.executable ? 0o755 : 0o644,
              uid: 0,
              gid: 0,
            },
            (e) => (e ? rej(e) : res()),
          );
          const src = createReadStream(f.abs);
          src.on("error", (e) => {
            sink.destroy(e);
            rej(e);
          });
          src.pipe(sink);
        });
      }
    p.finalize();
  })().catch((e) => p.destroy(e));
  return p as unknown as Readable;
}

/** Builds the generated Dockerfile context in the engine (the base is pulled by the engine from its registry). */
export async function buildInEngine(
  docker: Docker,
  opts: {
    base: string;
    plugins: DockerfilePlugin[];
    labels: Record<string, string>;
    tag: string;
    epoch: number;
    noCache?: boolean;
  },
): Promise<string> {
  const dockerfile = generateDockerfile(opts.base, opts.plugins, opts.labels);
  const stream = await docker.buildImage(
    buildContext(dockerfile, opts.plugins, opts.epoch) as unknown as NodeJS.ReadableStream,
    {
      t: opts.tag,
      nocache: opts.noCache ?? false,
      rm: true,
    },
  );
  const out = await followProgress(docker, stream, `building ${opts.tag}`);
  const id = out.map((o) => (o.aux as { ID?: string } | undefined)?.ID).find(Boolean);
  return id ?? (await docker.getImage(opts.tag).inspect()).Id;
}
