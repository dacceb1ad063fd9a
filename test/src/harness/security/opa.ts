import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { cachedDirectory, portOpen } from "@kiln/runtime";
import { testCacheDir } from "../cache.js";
import { type ServiceProcess, startProcess, waitFor } from "../process.js";

const run = promisify(execFile);

export const OPA_VERSION = "v1.22.3";

/**
 * The `opa` binary built from `github.com/open-policy-agent/opa` through the Go module proxy
 * (`go install`, GOPROXY and GOFLAGS as the machine has them), cached in
 * ~/.cache/kiln-test/opa-<version>/. A cold build takes minutes on 2 cores.
 */
export async function opaBinary(version = OPA_VERSION): Promise<string> {
  const dir = await cachedDirectory(join(testCacheDir(), `opa-${version}`), async (staging) => {
    try {
      await run("go", ["install", `github.com/open-policy-agent/opa@${version}`], {
        env: { ...process.env, GOBIN: staging },
        maxBuffer: 16 * 1024 * 1024,
        timeout: 30 * 60_000,
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      throw new Error(`go install opa@${version} failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`, {
        cause: err,
      });
    }
  });
  return join(dir, "opa");
}

/** One decision OPA's console decision log recorded: what was asked, and the answer. */
export interface OpaDecision {
  decision_id: string;
  path: string;
  input: unknown;
  result: unknown;
}

export interface Opa {
  /** `http(s)://<bind host>:<port>` */
  url: string;
  /** Every decision logged so far, oldest first. */
  decisions(): Promise<OpaDecision[]>;
  process: ServiceProcess;
  stop(): Promise<void>;
}

export interface StartOpaOptions {
  workDir: string;
  bind: { host: string; port: number };
  /** Serve HTTPS with this PEM certificate and key. */
  tls?: { certFile: string; keyFile: string };
  /** Rego modules by file name (`kafka/authz.rego` → `<workDir>/policies/kafka/authz.rego`). */
  policies: Record<string, string>;
  /** The base document (`data`), served beside the policies. */
  data?: Record<string, unknown>;
  timeoutMs?: number;
}

/**
 * `opa run --server` on the given loopback address with the policies and data loaded from files,
 * every decision written to its log (the console decision logger), telemetry off.
 */
export async function startOpa(opts: StartOpaOptions): Promise<Opa> {
  const bin = await opaBinary();
  const policies = join(opts.workDir, "policies");
  for (const [file, rego] of Object.entries(opts.policies)) {
    if (file.split("/").includes("..")) throw new Error(`policy file ${file} leaves the policy directory`);
    await mkdir(dirname(join(policies, file)), { recursive: true });
    await writeFile(join(policies, file), rego);
  }
  if (opts.data) await writeFile(join(policies, "data.json"), JSON.stringify(opts.data));
  const { host, port } = opts.bind;
  const proc = await startProcess(
    `opa-${port}`,
    bin,
    [
      "run",
      "--server",
      `--addr=${host}:${port}`,
      ...(opts.tls
        ? [`--tls-cert-file=${opts.tls.certFile}`, `--tls-private-key-file=${opts.tls.keyFile}`]
        : []),
      "--set=decision_logs.console=true",
      "--skip-version-check",
      "--log-format=json",
      policies,
    ],
    { logDir: opts.workDir },
  );
  try {
    await waitFor(`OPA on ${host}:${port}`, () => portOpen(port, host), {
      timeoutMs: opts.timeoutMs ?? 30_000,
      service: proc,
    });
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    url: `${opts.tls ? "https" : "http"}://${host}:${port}`,
    async decisions() {
      const log = await readFile(proc.logFile, "utf8");
      return log
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as OpaDecision & { msg?: string })
        .filter((e) => e.msg === "Decision Log");
    },
    process: proc,
    stop: () => proc.stop(),
  };
}
