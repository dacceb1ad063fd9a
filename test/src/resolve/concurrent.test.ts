import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { LoopbackServer, makeJar, makeTgz, sha512 } from "@kiln/catalog/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../../..");
const srv = new LoopbackServer();
let cache: string;

beforeAll(async () => {
  await srv.start();
  cache = await mkdtemp(join(tmpdir(), "kiln-concurrent-"));
});
afterAll(async () => {
  await srv.stop();
  await rm(cache, { recursive: true, force: true });
});

describe("two kiln processes sharing one cache", () => {
  it("both finish with the same digest, and the cache holds one verified copy and no temp files", async () => {
    const jars = Array.from({ length: 20 }, (_, i) => ({
      name: `p/lib-${i}.jar`,
      data: makeJar({ classes: [`com.example.C${i}`] }),
    }));
    const tgz = await makeTgz(jars);
    // Slow, so the two downloads overlap.
    srv.route("/p.tgz", async (_req, res) => {
      res.writeHead(200, { "content-length": tgz.length });
      const step = Math.ceil(tgz.length / 5);
      for (let i = 0; i < tgz.length; i += step) {
        res.write(tgz.subarray(i, i + step));
        await sleep(100);
      }
      res.end();
    });
    const tsx = join(ROOT, "node_modules/.bin/tsx");
    const script = join(import.meta.dirname, "fixtures/lock-one.ts");
    const args = ["--conditions", "kiln-src", script, `${srv.url}/p.tgz`, sha512(tgz), cache];
    const [a, b] = await Promise.all([run(tsx, args, { cwd: ROOT }), run(tsx, args, { cwd: ROOT })]);
    expect(a.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(b.stdout).toBe(a.stdout);
    expect(srv.count("/p.tgz")).toBe(2);
    expect(await readdir(join(cache, "sha512"))).toStrictEqual([sha512(tgz)]);
    expect(await readdir(join(cache, "tmp"))).toStrictEqual([]);
    expect((await readdir(join(cache, "plugins"))).filter((f) => !f.endsWith(".json"))).toHaveLength(1);
  });
});
