import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { services } from "./services/index.js";

// Started once per run, concurrently; each service's values reach tests via `inject(key)`.
// KILN_TEST_SERVICES=registry,kafka limits a run to some services (for a quick inner loop);
// KILN_TEST_KEEP=1 keeps the run's work directory (logs, data) for a post-mortem.
export default async function setup(project: TestProject) {
  const only = process.env.KILN_TEST_SERVICES?.split(",").map((s) => s.trim());
  const selected = only ? services.filter((s) => only.includes(s.name)) : services;
  const base = join(tmpdir(), "kiln-test");
  await mkdir(base, { recursive: true });
  const workDir = await mkdtemp(join(base, "run-"));
  project.provide("workDir", workDir);
  const stops: Array<() => Promise<void>> = [];
  const results = await Promise.allSettled(
    selected.map(async (s) => {
      const started = await s.start({ workDir: join(workDir, s.name) });
      stops.push(started.stop);
      for (const [k, v] of Object.entries(started.provide)) project.provide(k as never, v as never);
    }),
  );
  const failed = results.flatMap((r, i) =>
    r.status === "rejected" ? [`${selected[i]?.name}: ${String(r.reason?.stack ?? r.reason)}`] : [],
  );
  const teardown = async () => {
    await Promise.allSettled(stops.map((stop) => stop()));
    if (process.env.KILN_TEST_KEEP) console.log(`kiln test: work directory kept at ${workDir}`);
    else
      await rm(workDir, { recursive: true, force: true }).catch((err) =>
        console.warn(`kiln test: could not remove ${workDir}: ${err}`),
      );
  };
  if (failed.length > 0) {
    await teardown();
    throw new Error(`test services failed to start:\n${failed.join("\n")}`);
  }
  return teardown;
}
