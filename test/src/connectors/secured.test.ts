import { mkdtemp, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { ConnectClient } from "@kiln/connectors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runKiln } from "../harness/cli.js";
import { required } from "../harness/inject.js";
import type { ConnectWorker } from "../harness/kafka/index.js";
import { type SecuredMaterial, securedMaterial, startBearerWorker, startSecuredWorkers } from "./secured.js";
import { type ConnectorFile, deleteAll, rawClient, SINK, type TargetFile, writeTree } from "./support.js";

/** FileStreamSinks, each reading `<name>-in` into a file of its own. */
const sinks = (names: string[]): ConnectorFile[] =>
  names.map((name) => ({
    name,
    class: SINK,
    config: { topics: `${name}-in`, file: join(required("workDir"), `${name}.txt`) },
  }));

// A second Connect cluster locked down as production ones are: HTTPS with client certificates
// required and Kafka's own Basic-auth REST extension. One kiln apply deploys to it and to the
// shared plain cluster at once; every wrong credential fails the plan before anything is written.
describe("a secured Connect cluster beside the plain one", () => {
  let m: SecuredMaterial;
  let workers: ConnectWorker[] = [];
  let secured: ConnectClient;
  const env = () => ({
    ...process.env,
    SECURED_CONNECT_USER: m.user,
    SECURED_CONNECT_PASSWORD: m.password,
  });

  beforeAll(async () => {
    const dir = join(required("workDir"), "connect-secured");
    m = await securedMaterial(join(dir, "tls"));
    workers = await startSecuredWorkers({
      bootstrap: required("kafkaBootstrap"),
      version: required("kafkaVersion"),
      workDir: dir,
      material: m,
    });
    secured = new ConnectClient({
      urls: workers.map((w) => w.url),
      tls: {
        ca: await readFile(m.caPem, "utf8"),
        cert: await readFile(m.clientPem, "utf8"),
        key: await readFile(m.clientKey, "utf8"),
      },
      auth: { type: "basic", username: m.user, password: m.password },
    });
  });
  afterAll(async () => {
    await secured?.close();
    const plain = rawClient();
    await deleteAll(plain, "multi-");
    await plain.close();
    await Promise.allSettled(workers.map((w) => w.stop()));
  });

  /** A repo with a ConnectTarget and sinks for each cluster; `secure` overrides the secured target's tls/auth. */
  async function repo(
    connectors: { secured: string[]; plain: string[] },
    secure: Pick<TargetFile, "tls" | "auth"> = {},
  ): Promise<string> {
    const root = await mkdtemp(join(required("workDir"), "connectors-secured-"));
    const rel = (p: string) => relative(root, p);
    await writeTree(root, sinks(connectors.secured), {
      name: "secured",
      urls: workers.map((w) => w.url),
      tls: secure.tls ?? { caFile: rel(m.caPem), certFile: rel(m.clientPem), keyFile: rel(m.clientKey) },
      auth: secure.auth ?? {
        type: "basic",
        usernameEnv: "SECURED_CONNECT_USER",
        passwordEnv: "SECURED_CONNECT_PASSWORD",
      },
    });
    await writeTree(root, sinks(connectors.plain), { name: "plain" });
    return root;
  }

  it("applies to both clusters in one run, waits for RUNNING, and never prints the password", async () => {
    const root = await repo({ secured: ["multi-secured-a", "multi-secured-b"], plain: ["multi-plain-a"] });
    const applied = await runKiln(["connectors", "apply", "--wait"], { cwd: root, env: env() });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/secured/);
    expect(applied.stdout).toMatch(/plain/);
    expect(`${applied.stdout}${applied.stderr}`).not.toContain(m.password);

    for (const name of ["multi-secured-a", "multi-secured-b"]) {
      const s = await secured.status(name);
      expect(s.connector.state).toBe("RUNNING");
      expect(s.tasks.map((t) => t.state)).toStrictEqual(["RUNNING"]);
    }
    const plain = rawClient();
    try {
      expect((await plain.status("multi-plain-a")).connector.state).toBe("RUNNING");
      // Each connector went to its own cluster only.
      expect(await plain.listNames()).not.toContain("multi-secured-a");
    } finally {
      await plain.close();
    }
    expect(await secured.listNames()).not.toContain("multi-plain-a");

    // Re-planning both clusters finds nothing to do (exit 0), through TLS and auth again.
    const replanned = await runKiln(["connectors", "plan"], { cwd: root, env: env() });
    expect(replanned.stderr).toBe("");
    expect(replanned.code).toBe(0);

    const status = await runKiln(["connectors", "status", "--cluster", "secured"], { cwd: root, env: env() });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/multi-secured-a\s.*RUNNING/);
  });

  const refused: Array<[string, (m: SecuredMaterial) => Parameters<typeof repo>[1], RegExp]> = [
    [
      "a wrong password",
      () => ({
        auth: { type: "basic", usernameEnv: "SECURED_CONNECT_USER", passwordEnv: "WRONG_PASSWORD" },
      }),
      /refused kiln's credentials \(HTTP 401/,
    ],
    ["no client certificate", (m) => ({ tls: { caFile: m.caPem } }), /requires a client certificate/],
    [
      "a client certificate from a CA the workers do not trust",
      (m) => ({ tls: { caFile: m.caPem, certFile: m.rogueClientPem, keyFile: m.rogueClientKey } }),
      /does not accept kiln's client certificate/,
    ],
    [
      "a worker certificate kiln does not trust",
      (m) => ({ tls: { caFile: m.rogueCaPem, certFile: m.clientPem, keyFile: m.clientKey } }),
      /does not trust the Connect worker's certificate/,
    ],
  ];
  for (const [what, secure, message] of refused) {
    it(`fails the plan clearly with ${what}, writing nothing`, async () => {
      const before = await secured.listNames();
      const root = await repo({ secured: ["multi-secured-refused"], plain: [] }, secure(m));
      const res = await runKiln(["connectors", "apply"], {
        cwd: root,
        env: { ...env(), WRONG_PASSWORD: "not-the-password" },
      });
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(message);
      expect(res.stderr).toMatch(/secured|https:\/\/127\.0\.0\.1/);
      expect(`${res.stdout}${res.stderr}`).not.toContain("not-the-password");
      expect(`${res.stdout}${res.stderr}`).not.toContain(m.password);
      expect(await secured.listNames()).toStrictEqual(before);
    });
  }
});

// Bearer tokens: a worker whose REST extension (a test fixture; Kafka ships Basic auth only)
// requires `Authorization: Bearer …`.
describe("a Connect cluster that requires a bearer token", () => {
  const token = "kiln-test-bearer-token-0c5e9a";
  let worker: ConnectWorker | undefined;

  beforeAll(async () => {
    worker = await startBearerWorker({
      bootstrap: required("kafkaBootstrap"),
      version: required("kafkaVersion"),
      workDir: join(required("workDir"), "connect-bearer"),
      token,
    });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  async function repo(tokenEnv: string): Promise<string> {
    const root = await mkdtemp(join(required("workDir"), "connectors-bearer-"));
    await writeTree(root, sinks(["bearer-sink"]), {
      name: "bearer",
      urls: [worker?.url as string],
      auth: { type: "bearer", tokenEnv },
    });
    return root;
  }

  it("applies with the token from the environment and never prints it", async () => {
    const env = { ...process.env, CONNECT_TOKEN: token };
    const applied = await runKiln(["connectors", "apply", "--wait"], {
      cwd: await repo("CONNECT_TOKEN"),
      env,
    });
    expect(applied.code, applied.stderr).toBe(0);
    expect(`${applied.stdout}${applied.stderr}`).not.toContain(token);
    const client = new ConnectClient({ urls: [worker?.url as string], auth: { type: "bearer", token } });
    try {
      expect((await client.status("bearer-sink")).connector.state).toBe("RUNNING");
    } finally {
      await client.close();
    }
  });

  it("fails the plan clearly with a wrong token", async () => {
    const env = { ...process.env, WRONG_TOKEN: "not-the-token" };
    const res = await runKiln(["connectors", "plan"], { cwd: await repo("WRONG_TOKEN"), env });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/refused kiln's credentials \(HTTP 401: a valid bearer token is required\)/);
    expect(`${res.stdout}${res.stderr}`).not.toContain("not-the-token");
  });
});
