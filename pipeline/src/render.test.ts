import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RenderError } from "@kiln/clusters";
import { loadSpec } from "@kiln/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderToDir } from "./render.js";

const backup = new URL("../../examples/dr-active-passive/backup.yaml", import.meta.url);
let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "kiln-pipeline-render-"));
});
afterAll(() => rm(out, { recursive: true, force: true }));

describe("renderToDir", () => {
  it("writes the rendered files", async () => {
    const cluster = loadSpec(await readFile(backup, "utf8"), "backup.yaml", "Cluster").value;
    const r = await renderToDir(cluster as never, { file: "backup.yaml", out: join(out, "ok") });
    expect(r.problems).toStrictEqual([]);
    expect(await readdir(join(out, "ok"))).toContain("DR-RUNBOOK.md");
  });

  it("a refusal is a RenderError located at the Cluster file, and nothing is written", async () => {
    // The cluster checks refuse a DR pair with itself first; the renderer, asked anyway, says where.
    const text = (await readFile(backup, "utf8")).replace("name: payments-weu\n", "name: payments-neu\n");
    const cluster = loadSpec(text, "self-peer.yaml", "Cluster").value;
    const err = await renderToDir(cluster as never, {
      file: "self-peer.yaml",
      out: join(out, "refused"),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RenderError);
    expect((err as RenderError).message).toBe("self-peer.yaml: a DR pair needs two different clusters");
    await expect(readdir(join(out, "refused"))).rejects.toThrow();
  });
});
