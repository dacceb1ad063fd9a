import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SpecError } from "@kiln/schemas";
import { describe, expect, it } from "vitest";
import { resolveConnector } from "./desired.js";
import { clientOptionsFor, loadDeploymentFiles, ownershipOf } from "./files.js";

const examples = new URL("../examples/", import.meta.url).pathname;

describe("the documented examples", () => {
  it("load, and resolve per environment", async () => {
    const files = await loadDeploymentFiles([examples]);
    expect(files.targets.map((t) => t.target.name)).toStrictEqual(["analytics-connect"]);
    expect(ownershipOf(files.targets[0]?.target as never)).toStrictEqual({
      mode: "prune",
      protect: ["mm2-*", "debezium-heartbeat"],
    });
    const doc = files.connectors[0]?.doc;
    if (!doc) throw new Error("no connector");
    expect(resolveConnector(doc).config["tasks.max"]).toBe("2");
    expect(resolveConnector(doc, { env: "staging" })).toMatchObject({
      state: "paused",
      config: { "tasks.max": "1", file: "/data/staging-orders.txt" },
    });
  });
});

describe("clientOptionsFor", () => {
  it("reads credentials from the named variables and TLS files relative to the repo", async () => {
    const files = await loadDeploymentFiles([join(examples, "connect-target.yaml")]);
    const target = files.targets[0]?.target;
    if (!target) throw new Error("no target");
    const dir = await mkdtemp(join(tmpdir(), "kiln-target-"));
    await writeFile(join(dir, "ca.pem"), "CA");
    const t = { ...target, tls: { caFile: "ca.pem" } };
    const opts = await clientOptionsFor(t, {
      processEnv: { CONNECT_USER: "u", CONNECT_PASSWORD: "p" },
      baseDir: dir,
      env: "staging",
    });
    expect(opts).toStrictEqual({
      urls: ["https://connect.analytics-staging.example:8083"],
      auth: { type: "basic", username: "u", password: "p" },
      tls: { ca: "CA" },
    });
    await expect(clientOptionsFor(t, { processEnv: {}, baseDir: dir })).rejects.toThrow(
      /needs the environment variable CONNECT_USER/,
    );
  });
});

describe("loadDeploymentFiles", () => {
  it("reports schema errors with file and path, skips other kinds, reads JSON documents", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kiln-files-"));
    await writeFile(join(dir, "plugin.yaml"), "apiVersion: kiln.dev/v1\nkind: ConnectorPlugin\nname: x\n");
    await writeFile(
      join(dir, "t.yaml"),
      JSON.stringify({
        apiVersion: "kiln.dev/v1",
        kind: "ConnectTarget",
        name: "c",
        urls: ["http://127.0.0.1:1"],
      }),
    );
    expect((await loadDeploymentFiles([dir])).targets).toHaveLength(1);
    await writeFile(
      join(dir, "bad.yaml"),
      "apiVersion: kiln.dev/v1\nkind: ConnectTarget\nname: c2\nurls: [http://u:pw@h:1]\n",
    );
    const err = await loadDeploymentFiles([dir]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).diagnostics[0]?.location).toMatchObject({ file: join(dir, "bad.yaml") });
  });
});
