import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { referenceDir } from "@kiln/clusters/testing/reference";
import { parseAllDocuments } from "yaml";
import { freePort } from "../harness/ports.js";
import { type ServiceProcess, startProcess, waitFor } from "../harness/process.js";
import type { Service } from "./service.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** A kubeconfig with contexts `admin` (system:masters, the current one) and `limited` (no RBAC grants). */
    kubeconfig: string;
    kubeApiserverUrl: string;
    /** The etcd the API server stores in; other API servers can share it under their own prefix. */
    kubeEtcdUrl: string;
    /** The cached kube-apiserver binary (built by test/kube/build.sh). */
    kubeApiserverBin: string;
  }
}

const buildScript = fileURLToPath(new URL("../../kube/build.sh", import.meta.url));

export const ADMIN_TOKEN = "kiln-admin-token";
export const LIMITED_TOKEN = "kiln-limited-token";
export const LIMITED_USER = "kiln-limited";

/** Builds kube-apiserver once per machine (cached in ~/.cache/kiln-test/kube/<version>/) and returns its path. */
export async function kubeApiserverBinary(logDir: string): Promise<string> {
  const started = Date.now();
  const { stdout, stderr } = await promisify(execFile)(buildScript, [], {
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60 * 60_000,
  });
  if (stderr) await writeFile(join(logDir, "kube-build.log"), stderr, { flag: "a" });
  const bin = stdout.trim().split("\n").at(-1) ?? "";
  if (stderr.includes("built "))
    process.stderr.write(`kube-apiserver: ${stderr.trim().split("\n").at(-1)}\n`);
  else if (Date.now() - started > 5_000)
    process.stderr.write(`kube-apiserver: build.sh took ${Date.now() - started}ms\n`);
  return bin;
}

export interface KubeApiserver {
  url: string;
  kubeconfig: string;
  /** Trusts the server's self-signed certificate. */
  ca: string;
  process: ServiceProcess;
}

/**
 * Starts kube-apiserver on loopback against an etcd, the way controller-runtime's envtest does:
 * a generated service-account key, static tokens (an admin in system:masters and a user with no
 * grants), RBAC, and a self-signed serving certificate in `dir`.
 */
export async function startKubeApiserver(opts: {
  bin: string;
  etcdUrl: string;
  dir: string;
  etcdPrefix?: string;
  name?: string;
}): Promise<KubeApiserver> {
  const { dir } = opts;
  const name = opts.name ?? "kube-apiserver";
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  await writeFile(join(dir, "sa.pub"), publicKey.export({ type: "spki", format: "pem" }));
  await writeFile(join(dir, "sa.key"), privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  await writeFile(
    join(dir, "tokens.csv"),
    `${ADMIN_TOKEN},kiln-admin,1,"system:masters"\n${LIMITED_TOKEN},${LIMITED_USER},2\n`,
    { mode: 0o600 },
  );
  const port = await freePort();
  const proc = await startProcess(
    name,
    opts.bin,
    [
      `--etcd-servers=${opts.etcdUrl}`,
      `--etcd-prefix=${opts.etcdPrefix ?? "/registry"}`,
      `--secure-port=${port}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      "--service-account-issuer=https://kiln.test",
      `--service-account-key-file=${join(dir, "sa.pub")}`,
      `--service-account-signing-key-file=${join(dir, "sa.key")}`,
      `--token-auth-file=${join(dir, "tokens.csv")}`,
      "--authorization-mode=RBAC",
      `--cert-dir=${join(dir, "certs")}`,
      "--service-cluster-ip-range=10.0.0.0/24",
      "--v=1",
    ],
    { logDir: dir },
  );
  const url = `https://127.0.0.1:${port}`;
  let ca = "";
  await waitFor(
    `${name} /readyz`,
    async () => {
      if (!ca) ca = await readFile(join(dir, "certs", "apiserver.crt"), "utf8").catch(() => "");
      if (!ca) return false;
      const res = await kubeRequest({ url, ca, token: ADMIN_TOKEN }, "GET", "/readyz");
      return res.status === 200;
    },
    { timeoutMs: 120_000, intervalMs: 500, service: proc },
  );
  const kubeconfig = join(dir, "kubeconfig");
  await writeFile(kubeconfig, kubeconfigText(url, ca), { mode: 0o600 });
  return { url, kubeconfig, ca, process: proc };
}

function kubeconfigText(url: string, ca: string): string {
  const caData = Buffer.from(ca).toString("base64");
  return `apiVersion: v1
kind: Config
clusters:
- name: kiln-test
  cluster:
    server: ${url}
    certificate-authority-data: ${caData}
users:
- name: admin
  user:
    token: ${ADMIN_TOKEN}
- name: limited
  user:
    token: ${LIMITED_TOKEN}
contexts:
- name: admin
  context: { cluster: kiln-test, user: admin, namespace: default }
- name: limited
  context: { cluster: kiln-test, user: limited, namespace: default }
current-context: admin
`;
}

/** A bare HTTPS call to the test API server (the service does not depend on the code under test). */
export async function kubeRequest(
  server: { url: string; ca: string; token: string },
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, server.url),
      {
        method,
        ca: server.ca,
        headers: {
          authorization: `Bearer ${server.token}`,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": contentType }),
        },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Reads the reference CRDs (all YAML files in `subdir`, e.g. `strimzi/crds`), as plain objects. */
export async function referenceCrds(subdir: string): Promise<Array<Record<string, any>>> {
  const dir = join(referenceDir(), subdir);
  const out: Array<Record<string, any>> = [];
  for (const f of (await readdir(dir)).sort()) {
    if (!/\.ya?ml$/.test(f)) continue;
    for (const doc of parseAllDocuments(await readFile(join(dir, f), "utf8"))) {
      const obj = doc.toJS();
      if (obj?.kind === "CustomResourceDefinition") out.push(obj);
    }
  }
  return out;
}

/** Creates (or replaces) CRDs and waits until each is Established. */
export async function installCrds(
  server: { url: string; ca: string; token: string },
  crds: Array<Record<string, any>>,
): Promise<void> {
  const base = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  for (const crd of crds) {
    const res = await kubeRequest(
      server,
      "PATCH",
      `${base}/${crd.metadata.name}?fieldManager=kiln-test&force=true`,
      crd,
      "application/apply-patch+yaml",
    );
    if (res.status >= 300) throw new Error(`installing CRD ${crd.metadata.name}: ${res.status} ${res.body}`);
  }
  for (const crd of crds) {
    await waitFor(`CRD ${crd.metadata.name} Established`, async () => {
      const res = await kubeRequest(server, "GET", `${base}/${crd.metadata.name}`);
      const conds: Array<{ type: string; status: string }> = JSON.parse(res.body).status?.conditions ?? [];
      return conds.some((c) => c.type === "Established" && c.status === "True");
    });
  }
}

/** Deletes CRDs by name and waits until they are gone. */
export async function deleteCrds(server: { url: string; ca: string; token: string }, names: string[]) {
  const base = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  for (const n of names) await kubeRequest(server, "DELETE", `${base}/${n}`);
  for (const n of names)
    await waitFor(
      `CRD ${n} deleted`,
      async () => (await kubeRequest(server, "GET", `${base}/${n}`)).status === 404,
    );
}

export async function startEtcd(dir: string): Promise<{ url: string; process: ServiceProcess }> {
  const client = await freePort();
  const peer = await freePort();
  const url = `http://127.0.0.1:${client}`;
  const proc = await startProcess(
    "etcd",
    "etcd",
    [
      "--name=kiln",
      `--data-dir=${join(dir, "etcd-data")}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-cluster=kiln=http://127.0.0.1:${peer}`,
      "--quota-backend-bytes=1073741824",
    ],
    { logDir: dir },
  );
  await waitFor(
    "etcd /health",
    async () => {
      const res = await fetch(`${url}/health`);
      return res.ok && ((await res.json()) as { health?: string }).health === "true";
    },
    { timeoutMs: 30_000, service: proc },
  );
  return { url, process: proc };
}

export const kubeApiserverService: Service = {
  name: "kube-apiserver",
  async start({ workDir }) {
    const { mkdir } = await import("node:fs/promises");
    await mkdir(workDir, { recursive: true });
    const t0 = Date.now();
    const [bin, etcd] = await Promise.all([kubeApiserverBinary(workDir), startEtcd(workDir)]);
    let api: KubeApiserver | undefined;
    try {
      api = await startKubeApiserver({ bin, etcdUrl: etcd.url, dir: workDir });
      const server = { url: api.url, ca: api.ca, token: ADMIN_TOKEN };
      await installCrds(server, [
        ...(await referenceCrds("strimzi/crds")),
        ...(await referenceCrds("prometheus-operator/crds")),
      ]);
    } catch (err) {
      await api?.process.stop();
      await etcd.process.stop();
      throw err;
    }
    const started = api;
    process.stderr.write(
      `kube-apiserver: ready with CRDs in ${((Date.now() - t0) / 1000).toFixed(1)}s (${bin})\n`,
    );
    return {
      provide: {
        kubeconfig: started.kubeconfig,
        kubeApiserverUrl: started.url,
        kubeEtcdUrl: etcd.url,
        kubeApiserverBin: bin,
      },
      async stop() {
        const t1 = Date.now();
        await started.process.stop();
        await etcd.process.stop();
        process.stderr.write(`kube-apiserver: stopped in ${((Date.now() - t1) / 1000).toFixed(1)}s\n`);
      },
    };
  },
};
