import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { formatDiagnostic, SpecError } from "@kiln/schemas";
import { beforeAll, describe, expect, it } from "vitest";
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
  let dir: string;
  let caPem: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kiln-target-"));
    // A real CA certificate and key, made by openssl.
    await promisify(execFile)("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=kiln test CA",
      "-keyout",
      join(dir, "ca.key"),
      "-out",
      join(dir, "ca.pem"),
    ]);
    caPem = await readFile(join(dir, "ca.pem"), "utf8");
  });

  it("reads credentials from the named variables and TLS files relative to the repo", async () => {
    const files = await loadDeploymentFiles([join(examples, "connect-target.yaml")]);
    const target = files.targets[0]?.target;
    if (!target) throw new Error("no target");
    const t = { ...target, tls: { caFile: "ca.pem" } };
    const opts = await clientOptionsFor(t, {
      processEnv: { CONNECT_USER: "u", CONNECT_PASSWORD: "p" },
      baseDir: dir,
      env: "staging",
    });
    expect(opts).toStrictEqual({
      urls: ["https://connect.analytics-staging.example:8083"],
      auth: { type: "basic", username: "u", password: "p" },
      tls: { ca: caPem },
    });
    await expect(clientOptionsFor(t, { processEnv: {}, baseDir: dir })).rejects.toThrow(
      /needs the environment variable CONNECT_USER \(auth\.usernameEnv, for basic auth\)/,
    );
    const staging = {
      ...t,
      environments: { staging: { auth: { type: "bearer" as const, tokenEnv: "STAGING_TOKEN" } } },
    };
    await expect(
      clientOptionsFor(staging, { processEnv: { CONNECT_USER: "u" }, baseDir: dir, env: "staging" }),
    ).rejects.toThrow(
      /needs the environment variable STAGING_TOKEN \(environments\.staging\.auth\.tokenEnv, for bearer auth\)/,
    );
  });

  it.each([
    [
      "a file that is not PEM",
      { caFile: "junk.txt" },
      /tls\.caFile \(junk\.txt\) is not a PEM certificate file/,
    ],
    [
      "a private key as the CA",
      { caFile: "ca.key" },
      /tls\.caFile \(ca\.key\) is not a PEM certificate file.*\(it holds PRIVATE KEY\)/,
    ],
    [
      "a certificate as the key",
      { certFile: "ca.pem", keyFile: "ca.pem" },
      /tls\.keyFile \(ca\.pem\) holds no PEM private key/,
    ],
    ["a certificate without its key", { certFile: "ca.pem" }, /needs both tls\.certFile and tls\.keyFile/],
    [
      "a device",
      { caFile: "/dev/zero" },
      /cannot read tls\.caFile \/dev\/zero: is a device, not a regular file/,
    ],
    [
      "a missing file",
      { caFile: "nope.pem" },
      /cannot read tls\.caFile nope\.pem: no such file or directory/,
    ],
  ])("names the TLS field and the fix for %s", async (_name, tls, message) => {
    await writeFile(join(dir, "junk.txt"), "not a certificate\n");
    const t = {
      apiVersion: "kiln.dev/v1",
      kind: "ConnectTarget",
      name: "c",
      urls: ["https://h:1"],
      tls,
    } as never;
    await expect(clientOptionsFor(t, { processEnv: {}, baseDir: dir })).rejects.toThrow(message);
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

  const target = "apiVersion: kiln.dev/v1\nkind: ConnectTarget\nname: c\nurls: [http://127.0.0.1:1]\n";
  const connector = (name: string, kind = "Connector") =>
    `apiVersion: kiln.dev/v1\nkind: ${kind}\nname: ${name}\nconnectCluster: c\nplugin: { name: p, class: a.B }\nconfig: {}\n`;

  it("reads every file with the YAML parser: quoted kinds and one-line flow documents are connectors too", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kiln-files-"));
    await writeFile(join(dir, "t.yaml"), target);
    await writeFile(join(dir, "single.yaml"), connector("single", "'Connector'"));
    await writeFile(join(dir, "double.yaml"), connector("double", '"Connector"'));
    await writeFile(
      join(dir, "flow.yml"),
      "{apiVersion: kiln.dev/v1, kind: Connector, name: flow, connectCluster: c, plugin: {name: p, class: a.B}, config: {}}\n",
    );
    await writeFile(
      join(dir, "indented.yaml"),
      `# a comment first\n---\n${connector("indented").replace("kind: Connector\n", "")}kind:   Connector   # trailing\n`,
    );
    await mkdir(join(dir, "nested"));
    await symlink(join(dir, "nested"), join(dir, "loop"));
    await writeFile(join(dir, "nested", "deep.yaml"), connector("deep"));
    const files = await loadDeploymentFiles([dir]);
    expect(files.connectors.map((c) => c.doc.name).sort()).toStrictEqual([
      "deep",
      "double",
      "flow",
      "indented",
      "single",
    ]);
  });

  it("reports what it cannot classify instead of skipping it, every file at once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kiln-files-"));
    await writeFile(join(dir, "t.yaml"), target);
    await writeFile(join(dir, "typo.yaml"), connector("typo", "Conector"));
    await writeFile(join(dir, "nokind.yaml"), connector("nokind").replace("kind: Connector\n", ""));
    await writeFile(join(dir, "list.yaml"), "- a\n- b\n");
    await writeFile(join(dir, "broken.yaml"), "kind: Connector\nname: [unclosed\n");
    await writeFile(join(dir, "deployment.yaml"), "apiVersion: apps/v1\nkind: Deployment\n");
    await writeFile(join(dir, "cluster.yaml"), "apiVersion: kiln.dev/v1\nkind: Cluster\n");
    await symlink(join(dir, "gone.yaml"), join(dir, "dangling.yaml"));
    await writeFile(join(dir, "t2.yaml"), target);
    const err = (await loadDeploymentFiles([dir]).catch((e: unknown) => e)) as SpecError;
    expect(err).toBeInstanceOf(SpecError);
    expect(err.diagnostics.map((d) => formatDiagnostic(d).replace(`${dir}/`, ""))).toStrictEqual([
      "broken.yaml:3:1: error: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
      "dangling.yaml: error: cannot be read: a symbolic link to nothing",
      'deployment.yaml:2:7: error: has kind "Deployment", which kiln does not know: a connector directory holds Connector and ConnectTarget documents (kind)',
      "list.yaml:1:1: error: is not a mapping: a connector directory holds Connector and ConnectTarget documents (kind)",
      "nokind.yaml:1:1: error: has no `kind`: a connector directory holds Connector and ConnectTarget documents (kind)",
      'typo.yaml:2:7: error: has kind "Conector", which kiln does not know: a connector directory holds Connector and ConnectTarget documents (kind)',
      `t2.yaml:1: error: Connect target c is also declared in ${join(dir, "t.yaml")} (name)`,
    ]);
  });
});
