import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { freePort } from "../ports.js";
import { type ServiceProcess, startProcess, waitFor } from "../process.js";

const run = promisify(execFile);

/** Debian's prometheus-alertmanager (test/provision.sh) names its binary so. */
const ALERTMANAGER_BIN = "prometheus-alertmanager";

/** One notification as Alertmanager's webhook receiver posts it. */
export interface Notification {
  /** The receiver, from the URL path the test config gives each one. */
  path: string;
  receivedAt: number;
  body: {
    receiver: string;
    status: "firing" | "resolved";
    groupLabels: Record<string, string>;
    commonLabels: Record<string, string>;
    alerts: { status: string; labels: Record<string, string>; startsAt: string }[];
  };
}

/** The notification service: an HTTP server on loopback recording every webhook notification. */
export interface WebhookReceiver {
  url: string;
  received: Notification[];
  stop(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: Notification[] = [];
  const server: Server = createServer((req, res) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      data += chunk;
    });
    req.on("end", () => {
      try {
        received.push({ path: req.url ?? "/", receivedAt: Date.now(), body: JSON.parse(data) });
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Route {
  receiver?: string;
  group_wait?: string;
  group_interval?: string;
  routes?: Route[];
}

/**
 * kiln's rendered routing with each receiver that notifies anyone pointed at `webhook`
 * (`<webhook>/<receiver>`), receivers that notify no one left so, and the route tree's
 * group_wait/group_interval shortened (as `alertFor` shortens `for:`). Route matchers,
 * grouping keys, repeat intervals and inhibitions stay as rendered.
 */
export function routingForTest(
  rendered: string,
  webhook: string,
  timers: { wait: string; interval: string },
): string {
  const config = parse(rendered) as { route: Route; receivers: Record<string, unknown>[] };
  const shorten = (r: Route) => {
    if (r.group_wait !== undefined || r === config.route) r.group_wait = timers.wait;
    if (r.group_interval !== undefined || r === config.route) r.group_interval = timers.interval;
    for (const c of r.routes ?? []) shorten(c);
  };
  shorten(config.route);
  config.receivers = config.receivers.map((r) => {
    const notifies = Object.keys(r).some((k) => k.endsWith("_configs"));
    return notifies
      ? { name: r.name, webhook_configs: [{ url: `${webhook}/${String(r.name)}`, send_resolved: true }] }
      : r;
  });
  return stringify(config);
}

/** `amtool check-config`: throws with amtool's output when Alertmanager would refuse the file. */
export async function amtoolCheckConfig(file: string): Promise<string> {
  try {
    const { stdout } = await run("amtool", ["check-config", file]);
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`amtool check-config ${file}:\n${e.stdout ?? ""}${e.stderr ?? ""}`, { cause: err });
  }
}

/** `amtool config routes test`: the receivers Alertmanager's own routing picks for a label set. */
export async function amtoolRoutes(file: string, labels: Record<string, string>): Promise<string[]> {
  const { stdout } = await run("amtool", [
    "config",
    "routes",
    "test",
    `--config.file=${file}`,
    ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
  ]);
  return stdout.trim().split(",").filter(Boolean);
}

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  status: { state: "active" | "suppressed" | "unprocessed"; inhibitedBy: string[]; silencedBy: string[] };
}

export interface Alertmanager {
  /** `host:port`, for Prometheus's alerting config. */
  target: string;
  configFile: string;
  process: ServiceProcess;
  alerts(): Promise<AlertmanagerAlert[]>;
  stop(): Promise<void>;
}

/** Debian's Alertmanager on loopback with `config` (checked with amtool first), without clustering. */
export async function startAlertmanager(opts: { workDir: string; config: string }): Promise<Alertmanager> {
  const dir = join(opts.workDir, "alertmanager");
  await mkdir(join(dir, "data"), { recursive: true });
  const configFile = join(dir, "alertmanager.yml");
  await writeFile(configFile, opts.config);
  await amtoolCheckConfig(configFile);
  const port = await freePort();
  const target = `127.0.0.1:${port}`;
  const proc = await startProcess(
    "alertmanager",
    ALERTMANAGER_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, "data")}`,
      `--web.listen-address=${target}`,
      // A single instance: no gossip listener on the machine's interfaces.
      "--cluster.listen-address=",
      "--log.level=warn",
    ],
    { logDir: dir },
  );
  try {
    await waitFor(`Alertmanager at ${target}`, async () => (await fetch(`http://${target}/-/ready`)).ok, {
      timeoutMs: 60_000,
      service: proc,
      intervalMs: 200,
    });
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    target,
    configFile,
    process: proc,
    alerts: async () => {
      const res = await fetch(`http://${target}/api/v2/alerts`, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`Alertmanager /api/v2/alerts: ${res.status}`);
      return (await res.json()) as AlertmanagerAlert[];
    },
    stop: () => proc.stop(),
  };
}
