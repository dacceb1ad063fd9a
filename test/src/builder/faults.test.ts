import { join } from "node:path";
import {
  BlobPresence,
  BlobStore,
  bake,
  type Digest,
  eagerUpload,
  fetchArtifact,
  headManifest,
  type PushEvent,
  parseReference,
  pushArtifact,
  RegistryClient,
  RegistryError,
  sha256Digest,
  uniqueLayers,
} from "@kiln/builder";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runKiln } from "../harness/cli.js";
import { required } from "../harness/inject.js";
import { startRegistry } from "../services/registry.js";
import { isBlobPut, isManifestPut, startFaultProxy } from "./fault-proxy.js";
import { makePlugin, pushBase, tempDir } from "./fixtures.js";

const recipe = { compression: "gzip" as const, level: 1, epoch: 1_700_000_000 };
const fast = { attempts: 4, baseDelayMs: 20, maxDelayMs: 200 };

describe("faults between kiln and a real registry", () => {
  const host = required("registryPlain");
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  let store: BlobStore;
  let direct: RegistryClient;

  beforeAll(async () => {
    proxy = await startFaultProxy(host);
    direct = new RegistryClient({ insecure: [host] });
    store = new BlobStore(await tempDir("fault-cache"));
    await pushBase(direct, `${host}/faults/kafka:1`);
  });
  afterAll(async () => {
    await direct.close();
    await proxy.stop();
  });

  async function bakeVia(client: RegistryClient, name: string) {
    const plugins = [await makePlugin(name, "1.0.0", { [`${name}.jar`]: 400_000 })];
    return bake(client, store, { base: `${proxy.address}/faults/kafka:1`, plugins, recipe });
  }

  it("recovers from a 500 then success on a blob upload", async () => {
    const client = new RegistryClient({ insecure: [proxy.address], retry: fast });
    const rule = proxy.add(isBlobPut, { kind: "status", status: 500 });
    const r = await bakeVia(client, "five-hundred");
    const pushed = await pushArtifact(client, r.artifact, parseReference(`${proxy.address}/faults/a:1`));
    expect(rule.hits).toBe(1);
    expect((await headManifest(direct, parseReference(`${host}/faults/a:1`)))?.digest).toBe(pushed.digest);
    await client.close();
  });

  it("a blob check started early that fails is asked again when the push needs the answer", async () => {
    const client = new RegistryClient({ insecure: [proxy.address], retry: fast });
    const base = await fetchArtifact(client, parseReference(`${proxy.address}/faults/kafka:1`));
    const digest = uniqueLayers(base)[0]?.descriptor.digest as Digest;
    const head = `HEAD /v2/faults/kafka/blobs/${digest}`;
    const rule = proxy.add((req) => `${req.method} ${req.url}` === head, { kind: "status", status: 400 });
    const presence = new BlobPresence(client, parseReference(`${proxy.address}/faults/kafka`));
    const from = proxy.requests.length;
    presence.prefetch([digest]);
    await expect(presence.has(digest)).rejects.toThrow(RegistryError);
    await expect(presence.has(digest)).resolves.toBe(true);
    await expect(presence.has(digest)).resolves.toBe(true);
    // A blob this run committed is known without asking.
    presence.add(sha256Digest("committed"));
    await expect(presence.has(sha256Digest("committed"))).resolves.toBe(true);
    expect(rule.hits).toBe(1);
    expect(proxy.requests.slice(from).filter((q) => q.startsWith("HEAD "))).toStrictEqual([head, head]);
    await client.close();
  });

  it("recovers from a connection reset in the middle of a blob PUT (reopening the layer)", async () => {
    const client = new RegistryClient({ insecure: [proxy.address], retry: fast });
    const rule = proxy.add(isBlobPut, { kind: "reset", afterBytes: 64 * 1024 });
    const r = await bakeVia(client, "reset-once");
    const pushed = await pushArtifact(client, r.artifact, parseReference(`${proxy.address}/faults/b:1`), {
      concurrency: 1,
    });
    expect(rule.hits).toBe(1);
    expect((await headManifest(direct, parseReference(`${host}/faults/b:1`)))?.digest).toBe(pushed.digest);
    await client.close();
  });

  it("a streamed layer whose commit the registry refuses is uploaded by the push, made again from its files", async () => {
    const client = new RegistryClient({ insecure: [proxy.address], retry: fast });
    const target = parseReference(`${proxy.address}/faults/streamed:1`);
    const presence = new BlobPresence(client, target);
    const plugins = [await makePlugin("streamed", "1.0.0", { "streamed.jar": 600_000 })];
    // The first blob PUT is the streamed layer's commit: it fails after the bake has returned.
    const rule = proxy.add(isBlobPut, { kind: "status", status: 500 });
    const cache = new BlobStore(await tempDir("streamed-cache"));
    const r = await bake(client, cache, {
      base: `${proxy.address}/faults/kafka:1`,
      plugins,
      recipe: { ...recipe, level: 0 },
      eager: eagerUpload(client, target, presence),
      keepLocal: false,
    });
    const layer = r.plugins[0]?.layer.descriptor.digest as Digest;
    expect(await cache.has(layer)).toBe(false);
    // The answer waited for the failed commit, then asked the registry, which lacks the layer.
    await expect(presence.has(layer)).resolves.toBe(false);
    expect(rule.hits).toBe(1);
    const pushed = await pushArtifact(client, r.artifact, target, { presence });
    expect(pushed.blobs).toMatchObject({ uploaded: 2 });
    const back = await fetchArtifact(direct, parseReference(`${host}/faults/streamed:1`));
    expect(back.digest).toBe(r.artifact.digest);
    if (back.kind !== "image") throw new Error("expected an image");
    expect(back.layers.at(-1)?.descriptor.digest).toBe(layer);
    await client.close();
  });

  it("waits for Retry-After on 429", async () => {
    const retries: number[] = [];
    const client = new RegistryClient({
      insecure: [proxy.address],
      retry: fast,
      onRetry: (i) => retries.push(i.delayMs),
    });
    const rule = proxy.add(isManifestPut, { kind: "status", status: 429, headers: { "retry-after": "1" } });
    const r = await bakeVia(client, "too-many");
    const started = Date.now();
    await pushArtifact(client, r.artifact, parseReference(`${proxy.address}/faults/c:1`));
    expect(rule.hits).toBe(1);
    expect(retries).toStrictEqual([1000]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    await client.close();
  });

  it("gives up on persistent resets with a clear error, and the tag is never written", async () => {
    const client = new RegistryClient({ insecure: [proxy.address], retry: { ...fast, attempts: 2 } });
    const rule = proxy.add(isBlobPut, { kind: "reset", afterBytes: 1 }, 1000);
    const r = await bakeVia(client, "reset-always");
    const err = await pushArtifact(client, r.artifact, parseReference(`${proxy.address}/faults/d:1`)).catch(
      (e) => e,
    );
    rule.times = 0;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.userMessage).toMatch(
      /upload blob sha256:[0-9a-f]+ at 127\.0\.0\.1:\d+ failed: the server closed the connection before answering/,
    );
    expect(err.url).not.toMatch(/_state=[^*]/);
    expect(await headManifest(direct, parseReference(`${host}/faults/d:1`))).toBeUndefined();
    expect(proxy.requests.filter((q) => q.startsWith("PUT /v2/faults/d/manifests/"))).toStrictEqual([]);
    await client.close();
  });

  it("survives the registry dying mid-upload: an error, no tag; a re-run after restart completes", async () => {
    const dir = await tempDir("dying-registry");
    const reg = await startRegistry({ dir, name: "registry-dying" });
    const client = new RegistryClient({ insecure: [reg.address], retry: { ...fast, attempts: 3 } });
    await pushBase(client, `${reg.address}/faults/kafka:1`);
    const plugins = [await makePlugin("big", "1.0.0", { "big.jar": 24 * 1024 * 1024 })];
    const r = await bake(client, store, { base: `${reg.address}/faults/kafka:1`, plugins, recipe });
    let killed = false;
    const onEvent = (e: PushEvent) => {
      if (e.kind === "blob" && e.state === "uploading" && !killed) {
        killed = true;
        void reg.proc.stop("SIGKILL");
      }
    };
    const target = parseReference(`${reg.address}/faults/app:1`);
    const err = await pushArtifact(client, r.artifact, target, { onEvent, chunkSize: 1024 * 1024 }).catch(
      (e) => e,
    );
    expect(killed).toBe(true);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.userMessage).toMatch(/failed: (the server closed the connection|nothing accepts connections)/);
    const again = await startRegistry({ dir, name: "registry-dying-2", port: reg.port });
    try {
      expect(await headManifest(client, target)).toBeUndefined();
      const pushed = await pushArtifact(client, r.artifact, target);
      expect((await headManifest(client, target))?.digest).toBe(pushed.digest);
    } finally {
      await client.close();
      await again.stop();
    }
  });

  describe("through the kiln command, with the command's --timeout", () => {
    let cwd: string;
    let env: NodeJS.ProcessEnv;
    let pluginDir: string;
    beforeAll(async () => {
      cwd = await tempDir("faults-cli");
      env = {
        HOME: cwd,
        KILN_CACHE: join(cwd, "cache"),
        SOURCE_DATE_EPOCH: "1700000000",
        PATH: process.env.PATH,
      };
      pluginDir = (await makePlugin("hang", "1.0.0", { "hang.jar": 50_000 })).dir;
    });
    const bakeArgs = (registry: string, extra: string[]) => [
      "bake",
      "--base",
      `${registry}/faults/kafka:1`,
      "--plugin-dir",
      `hang=${pluginDir}`,
      ...extra,
    ];

    it("a registry that never answers the manifest PUT: bake --push gives up, naming the push; the tag never moves", async () => {
      const rule = proxy.add(isManifestPut, { kind: "hang" }, 1000);
      const started = Date.now();
      const r = await runKiln(
        bakeArgs(proxy.address, [
          "--push",
          `${proxy.address}/faults/hung:1`,
          "--insecure-registry",
          proxy.address,
          "--timeout",
          "8s",
        ]),
        { cwd, env },
      );
      rule.times = 0;
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/gave up after 8s \(--timeout\) while (push manifest|retrying at)/);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(await headManifest(direct, parseReference(`${host}/faults/hung:1`))).toBeUndefined();
    });

    it("a token service answering an HTML page is named as such", async () => {
      const realm = proxy.add(
        (q) => q.method === "GET" && q.url === "/v2/",
        {
          kind: "status",
          status: 401,
          headers: { "www-authenticate": `Bearer realm="http://${proxy.address}/token",service="faults"` },
          body: "",
        },
        1000,
      );
      const token = proxy.add(
        (q) => (q.url ?? "").startsWith("/token"),
        {
          kind: "status",
          status: 200,
          headers: { "content-type": "text/html" },
          body: "<html><body>Please sign in</body></html>",
        },
        1000,
      );
      const r = await runKiln(
        bakeArgs(proxy.address, [
          "--insecure-registry",
          proxy.address,
          "--output",
          `oci:${join(cwd, "oci")}`,
          "--timeout",
          "20s",
        ]),
        { cwd, env },
      );
      realm.times = 0;
      token.times = 0;
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /the token service for 127\.0\.0\.1:\d+ answered something that is not JSON \(text\/html, starts "<html><body>Please sign in/,
      );
      expect(r.stderr).not.toMatch(/internal error/);
    });

    it("a plain-http registry reached without --insecure-registry says which flag to pass", async () => {
      const r = await runKiln(bakeArgs(host, ["--output", `oci:${join(cwd, "oci2")}`, "--timeout", "20s"]), {
        cwd,
        env,
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `does not speak TLS on this port \\(it answered like plain http\\); if it is meant to be plain http, pass --insecure-registry ${host.replaceAll(".", "\\.")}`,
        ),
      );
    });
  });
});
