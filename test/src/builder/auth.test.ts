import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  BlobStore,
  dockerConfigCredentials,
  fetchArtifact,
  headManifest,
  parseReference,
  pushArtifact,
  RegistryClient,
  RegistryError,
  staticCredentials,
} from "@kiln/builder";
import { describe, expect, it } from "vitest";
import { required } from "../harness/inject.js";
import { baseArtifact, baseLayers, tempDir } from "./fixtures.js";

async function dockerConfig(host: string, user: string, password: string): Promise<string> {
  const dir = await tempDir("docker-config");
  await writeFile(
    join(dir, "config.json"),
    JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${user}:${password}`).toString("base64") } } }),
  );
  return dir;
}

async function image() {
  return baseArtifact(await baseLayers(new BlobStore(await tempDir("auth-store")), 64 * 1024));
}

describe("htpasswd Basic auth over TLS with a test CA", () => {
  const host = required("registryTls");
  const user = required("registryUser");
  const password = required("registryPassword");

  it("pushes and reads back with credentials from ~/.docker/config.json and the CA bundle", async () => {
    const ca = await readFile(required("registryTlsCa"), "utf8");
    const dockerDir = await dockerConfig(host, user, password);
    const client = new RegistryClient({
      ca,
      credentials: dockerConfigCredentials({ DOCKER_CONFIG: dockerDir }),
    });
    try {
      const img = await image();
      const ref = parseReference(`${host}/secure/app:1`);
      const pushed = await pushArtifact(client, img, ref);
      expect((await headManifest(client, ref))?.digest).toBe(pushed.digest);
      expect((await fetchArtifact(client, ref)).digest).toBe(img.digest);
    } finally {
      await client.close();
    }
  });

  it("refuses wrong credentials with a clear, password-free message", async () => {
    const ca = await readFile(required("registryTlsCa"), "utf8");
    const client = new RegistryClient({
      ca,
      credentials: staticCredentials({ [host]: { username: user, password: "wrong-secret" } }),
    });
    try {
      const err = await pushArtifact(client, await image(), parseReference(`${host}/secure/app:2`)).catch(
        (e) => e,
      );
      expect(err).toBeInstanceOf(RegistryError);
      expect(err.status).toBe(401);
      expect(err.userMessage).toMatch(/not authorised \(HTTP 401\)/);
      expect(String(err.message)).not.toContain("wrong-secret");
      // Nothing was tagged.
      const good = new RegistryClient({
        ca,
        credentials: staticCredentials({ [host]: { username: user, password } }),
      });
      expect(await headManifest(good, parseReference(`${host}/secure/app:2`))).toBeUndefined();
      await good.close();
    } finally {
      await client.close();
    }
  });

  it("does not trust the registry's certificate without the CA", async () => {
    const client = new RegistryClient({
      credentials: staticCredentials({ [host]: { username: user, password } }),
      retry: { attempts: 1 },
    });
    try {
      await expect(headManifest(client, parseReference(`${host}/secure/app:1`))).rejects.toThrow(
        /reach the registry at 127\.0\.0\.1:\d+ failed: the server's TLS certificate is not signed by a CA this machine trusts \([A-Z_]+\); if it comes from a private CA, pass it with --registry-ca <file>/,
      );
    } finally {
      await client.close();
    }
  });
});

describe("token auth (JWTs from the test token server)", () => {
  const host = required("registryToken");
  const user = required("registryUser");
  const password = required("registryPassword");

  it("gets a token per scope, caches it, and pushes", async () => {
    const client = new RegistryClient({
      insecure: [host],
      credentials: staticCredentials({ [host]: { username: user, password } }),
    });
    try {
      const issued = async () =>
        ((await (await fetch(`${required("registryTokenServer")}/stats`)).json()) as { issued: number })
          .issued;
      const before = await issued();
      const img = await image();
      const ref = parseReference(`${host}/tok/app:1`);
      const pushed = await pushArtifact(client, img, ref);
      // One token for the push scope, reused by every blob and manifest call.
      expect((await issued()) - before).toBe(1);
      expect((await headManifest(client, ref))?.digest).toBe(pushed.digest);
      expect((await fetchArtifact(client, ref)).digest).toBe(img.digest);
    } finally {
      await client.close();
    }
  });

  it("renews a token that is about to expire", async () => {
    const server = required("registryTokenServer");
    const issued = async () => ((await (await fetch(`${server}/stats`)).json()) as { issued: number }).issued;
    const client = new RegistryClient({
      insecure: [host],
      credentials: staticCredentials({ [host]: { username: user, password } }),
    });
    try {
      await fetch(`${server}/config?expires_in=7`);
      const ref = parseReference(`${host}/tok/app:1`);
      const before = await issued();
      await headManifest(client, ref);
      await headManifest(client, ref);
      expect((await issued()) - before).toBe(1); // cached while it has more than 5 s left
      await new Promise((r) => setTimeout(r, 2500));
      expect((await headManifest(client, ref))?.digest).toMatch(/^sha256:/);
      expect((await issued()) - before).toBe(2); // renewed
    } finally {
      await fetch(`${server}/config?expires_in=300`);
      await client.close();
    }
  });

  it("reports the token service's refusal of wrong credentials", async () => {
    const client = new RegistryClient({
      insecure: [host],
      credentials: staticCredentials({ [host]: { username: user, password: "nope" } }),
    });
    try {
      await expect(pushArtifact(client, await image(), parseReference(`${host}/tok/app:2`))).rejects.toThrow(
        `the token service for ${host} rejected the credentials of "${user}"`,
      );
    } finally {
      await client.close();
    }
  });

  it("is refused anonymously", async () => {
    const client = new RegistryClient({ insecure: [host] });
    try {
      const err = await headManifest(client, parseReference(`${host}/tok/app:1`)).catch((e) => e);
      expect(err).toBeInstanceOf(RegistryError);
    } finally {
      await client.close();
    }
  });
});
