// The tools the bake benchmark runs side by side, each as the process a user runs: kiln's
// command (the dev build and the npm bundle), crane append with tarballs made by tar and a
// gzip, Docker BuildKit and the legacy builder (Debian's docker CLI against one dockerd).
// Every run reports its wall time and its peak RSS (GNU time).
import { execFile, spawn } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import type { PluginSource } from "@kiln/builder";
import { commandEnv } from "../kiln-commands.js";

const exec = promisify(execFile);

export interface Measured {
  ms: number;
  maxRssKb: number;
  /** CPU time (user + system) of the process, when it ran under GNU time: on a loaded machine, what its own work cost. */
  cpuMs?: number;
}

/** Runs a process to completion under GNU time: wall time, peak RSS, CPU time; a failure throws with its stderr. */
export async function timedProcess(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; shell?: boolean } = {},
): Promise<Measured> {
  const rssFile = join(
    opts.cwd ?? "/tmp",
    `.bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`,
  );
  const argv = opts.shell ? ["sh", "-c", cmd] : [cmd, ...args];
  const t0 = performance.now();
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((res, rej) => {
    const child = spawn("/usr/bin/time", ["-f", "%M %U %S", "-o", rssFile, ...argv], {
      env: opts.env ?? commandEnv(),
      cwd: opts.cwd,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("error", rej);
    child.on("exit", (c) => res({ code: c, stderr: err }));
  });
  const ms = performance.now() - t0;
  const rss = await readFile(rssFile, "utf8").catch(() => "0");
  await rm(rssFile, { force: true });
  if (code !== 0) throw new Error(`${argv.join(" ").slice(0, 200)} exited ${code}: ${stderr.slice(-2000)}`);
  const [maxRss, user, sys] = (rss.trim().split("\n").pop() ?? "").split(" ").map(Number);
  return { ms, maxRssKb: maxRss || 0, cpuMs: ((user ?? 0) + (sys ?? 0)) * 1000 };
}

/** `kiln bake` as a process: plugin directories onto the base, pushed (SBOM referrer included). */
export function kilnCommand(kilnJs: string, opts: { registry: string; base: string; work: string }) {
  return async (set: PluginSource[], repo: string, cache: string): Promise<Measured> =>
    timedProcess(
      process.execPath,
      [
        kilnJs,
        "bake",
        "--base",
        opts.base,
        ...set.flatMap((p) => ["--plugin-dir", `${p.name}=${p.dir}`]),
        "--push",
        `${opts.registry}/${repo}:1`,
        "--insecure-registry",
        opts.registry,
        "--out",
        join(opts.work, "kiln-out"),
      ],
      { env: commandEnv({ KILN_CACHE: cache, SOURCE_DATE_EPOCH: "1700000000" }), cwd: opts.work },
    );
}

/**
 * crane append, as a CI script without a cache runs it: every plugin tarred with
 * `tar --sort=name … | pigz -n -<level>` (GNU gzip has no level 0; pigz -p 1 is gzip's
 * zlib on one thread), two at a time, then one `crane append` of all of them.
 */
export function craneAppend(crane: string, opts: { registry: string; base: string; work: string }) {
  return async (set: PluginSource[], repo: string, level: number): Promise<Measured> => {
    const dir = join(opts.work, `crane-tarballs-${level}`);
    await rm(dir, { recursive: true, force: true });
    const t0 = performance.now();
    let maxRssKb = 0;
    let next = 0;
    const tarballs: string[] = [];
    const worker = async () => {
      while (next < set.length) {
        const p = set[next++] as PluginSource;
        const out = join(dir, `${p.name}.tar.gz`);
        tarballs.push(out);
        const r = await timedProcess(
          `mkdir -p '${dir}' && tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@1700000000 --transform 's,^\\.,opt/kafka/plugins/${p.name},' -C '${p.dir}' -cf - . | pigz -n -p 1 -${level} > '${out}'`,
          [],
          { shell: true, cwd: opts.work },
        );
        maxRssKb = Math.max(maxRssKb, r.maxRssKb);
      }
    };
    await Promise.all([worker(), worker()]);
    tarballs.sort();
    const r = await timedProcess(
      crane,
      [
        "append",
        "--insecure",
        "--base",
        opts.base,
        ...tarballs.flatMap((t) => ["--new_layer", t]),
        "--new_tag",
        `${opts.registry}/${repo}:1`,
      ],
      { cwd: opts.work },
    );
    return { ms: performance.now() - t0, maxRssKb: Math.max(maxRssKb, r.maxRssKb) };
  };
}

/**
 * `docker build` + `docker push` with Debian's docker CLI 20.10 (the CLI first on PATH
 * refuses BuildKit without buildx), BuildKit or the legacy builder, against one dockerd.
 */
export function dockerBuild(opts: { dockerHost: string; work: string; buildkit: boolean }) {
  const env = commandEnv({ DOCKER_HOST: opts.dockerHost, DOCKER_BUILDKIT: opts.buildkit ? "1" : "0" });
  const docker = (...args: string[]) => exec("/usr/bin/docker", args, { env, maxBuffer: 64 << 20 });
  return {
    /** A fresh CI runner: no images, no build cache (the base only in the registry). */
    async reset(): Promise<void> {
      await docker("system", "prune", "-af");
      await docker("builder", "prune", "-af").catch(() => {});
    },
    async run(context: string, tag: string): Promise<Measured> {
      const t0 = performance.now();
      const b = await timedProcess("/usr/bin/docker", ["build", "-q", "-t", tag, context], {
        env,
        cwd: opts.work,
      });
      const p = await timedProcess("/usr/bin/docker", ["push", "-q", tag], { env, cwd: opts.work });
      return { ms: performance.now() - t0, maxRssKb: Math.max(b.maxRssKb, p.maxRssKb) };
    },
  };
}

/** A Docker build context for `set` on `base`: a Dockerfile and hard links to the plugin files. */
export async function dockerContext(dir: string, base: string, set: PluginSource[]): Promise<void> {
  const { link, mkdir } = await import("node:fs/promises");
  await rm(dir, { recursive: true, force: true });
  const lines = [`FROM ${base}`];
  for (const p of set) {
    lines.push(`COPY plugins/${p.name}/ /opt/kafka/plugins/${p.name}/`);
    for (const f of p.files ?? []) {
      const to = join(dir, "plugins", p.name, f.path);
      await mkdir(join(to, ".."), { recursive: true });
      await link(join(p.dir, f.path), to);
    }
  }
  await writeFile(join(dir, "Dockerfile"), `${lines.join("\n")}\n`);
}
