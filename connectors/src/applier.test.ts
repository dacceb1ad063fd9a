import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { applyPlan, WaitError, waitForStates } from "./applier.js";
import { ConnectClient } from "./client.js";
import type { DesiredConnector } from "./desired.js";
import { planCluster } from "./planner.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

type Handler = (method: string, url: string, body: string) => [number, unknown] | Promise<[number, unknown]>;

/** A loopback Connect stand-in driven by `handler`; records every request. */
async function fake(handler: Handler) {
  const seen: string[] = [];
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    seen.push(`${req.method} ${req.url}`);
    const [status, payload] = await handler(req.method ?? "", req.url ?? "", body);
    res.writeHead(status, { "content-type": "application/json" });
    res.end(payload === undefined ? "" : JSON.stringify(payload));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen };
}

const cls = "org.apache.kafka.connect.file.FileStreamSinkConnector";
const desired = (name: string, state: DesiredConnector["state"] = "running"): DesiredConnector => ({
  name,
  cluster: "c",
  state,
  connectorClass: cls,
  plugin: { name: "file" },
  config: { "connector.class": cls, topics: "t" },
  location: {},
});
const retry = { deadlineMs: 5000, baseDelayMs: 1, maxDelayMs: 5 };

describe("applyPlan", () => {
  it("after a 500 timeout on create, re-reads and does not create twice", async () => {
    let stored: Record<string, string> | undefined;
    const s = await fake((method, url, body) => {
      if (method === "POST" && url === "/connectors") {
        // The write lands, but the answer is a timeout.
        stored = { ...(JSON.parse(body) as { config: Record<string, string> }).config, name: "a" };
        return [500, { error_code: 500, message: "Request timed out" }];
      }
      if (method === "GET" && url === "/connectors/a/config")
        return stored ? [200, stored] : [404, { message: "not found" }];
      if (method === "GET" && url === "/connectors/a/status") {
        return [200, { name: "a", connector: { state: "RUNNING", worker_id: "w" }, tasks: [] }];
      }
      if (method === "GET" && url === "/connectors") return [200, stored ? ["a"] : []];
      return [500, { message: `unexpected ${method} ${url}` }];
    });
    const client = new ConnectClient({ urls: [s.url], retry });
    const plan = planCluster("c", [desired("a")], new Map());
    const result = await applyPlan(client, plan, { changeDeadlineMs: 5000 });
    expect(result.failed).toStrictEqual([]);
    expect(s.seen.filter((r) => r.startsWith("POST"))).toHaveLength(1);
    expect(s.seen.filter((r) => r.startsWith("PUT"))).toHaveLength(0);
    await client.close();
  });

  it("reconciles 'already exists': PUTs only if the live config differs, then moves state", async () => {
    const s = await fake((method, url) => {
      if (method === "POST") return [409, { error_code: 409, message: "Connector a already exists" }];
      if (method === "GET" && url === "/connectors/a/config")
        return [200, { name: "a", "connector.class": cls, topics: "t" }];
      if (method === "GET" && url === "/connectors/a/status") {
        return [200, { name: "a", connector: { state: "RUNNING", worker_id: "w" }, tasks: [] }];
      }
      if (method === "PUT" && url === "/connectors/a/pause") return [202, undefined];
      if (method === "GET" && url === "/connectors") return [200, ["a"]];
      return [500, { message: `unexpected ${method} ${url}` }];
    });
    const client = new ConnectClient({ urls: [s.url], retry });
    const result = await applyPlan(client, planCluster("c", [desired("a", "paused")], new Map()));
    expect(result.failed).toStrictEqual([]);
    expect(s.seen.filter((r) => !r.startsWith("GET"))).toStrictEqual([
      "POST /connectors",
      "PUT /connectors/a/pause",
    ]);
    await client.close();
  });

  it("skips deletes without prune and reports per-connector failures without stopping the rest", async () => {
    const s = await fake((method, _url) => {
      if (method === "POST") return [400, { error_code: 400, message: "Connector configuration is invalid" }];
      if (method === "DELETE") return [204, undefined];
      return [200, []];
    });
    const client = new ConnectClient({ urls: [s.url], retry });
    const live = new Map([["old", { name: "old", config: {}, state: "RUNNING" as const, tasks: [] }]]);
    const plan = planCluster("c", [desired("a"), desired("b")], live, { mode: "prune", protect: [] });
    const result = await applyPlan(client, plan);
    expect(result.skipped).toStrictEqual([{ name: "old", reason: "deletion needs --prune" }]);
    expect(result.failed.map((f) => f.name).sort()).toStrictEqual(["a", "b"]);
    expect(s.seen.filter((r) => r.startsWith("DELETE"))).toStrictEqual([]);
    const pruned = await applyPlan(client, planCluster("c", [], live, { mode: "prune", protect: [] }), {
      prune: true,
    });
    expect(pruned.applied).toStrictEqual([{ name: "old", kind: "delete" }]);
    await client.close();
  });

  it("lets Connect validate each write; a refused config (create or update) is validated alone for located findings and fails alone", async () => {
    const created: string[] = [];
    const validated: string[] = [];
    const refusal = [
      400,
      {
        error_code: 400,
        message:
          "Connector configuration is invalid and contains the following 1 error(s):\nInvalid value lots for configuration topics",
      },
    ] as [number, unknown];
    const s = await fake(async (method, url, body) => {
      if (method === "PUT" && url.endsWith("/config/validate")) {
        const name = (JSON.parse(body) as { name: string }).name;
        validated.push(name);
        return [
          200,
          {
            name: cls,
            error_count: 1,
            groups: [],
            configs: [
              {
                definition: {},
                value: {
                  name: "topics",
                  value: "lots",
                  recommended_values: [],
                  errors: ["Invalid value lots for configuration topics"],
                  visible: true,
                },
              },
            ],
          },
        ];
      }
      if (method === "POST" && url === "/connectors") {
        const name = (JSON.parse(body) as { name: string }).name;
        if (name === "c") return refusal;
        created.push(name);
        return [201, { name, config: {}, tasks: [] }];
      }
      if (method === "GET" && url === "/connectors/u/config")
        return [200, { "connector.class": cls, topics: "old" }];
      if (method === "PUT" && url === "/connectors/u/config") return refusal;
      if (method === "GET" && url.endsWith("/status"))
        return [200, { name: "x", connector: { state: "RUNNING", worker_id: "w" }, tasks: [] }];
      if (method === "GET" && url === "/connectors") return [200, [...created, "u"]];
      return [500, { message: `unexpected ${method} ${url}` }];
    });
    const client = new ConnectClient({ urls: [s.url], retry });
    const live = new Map([
      [
        "u",
        {
          name: "u",
          config: { "connector.class": cls, topics: "old" },
          state: "RUNNING" as const,
          tasks: [],
        },
      ],
    ]);
    const plan = planCluster("c", [desired("a"), desired("b"), desired("c"), desired("u")], live);
    const result = await applyPlan(client, plan, { validateConcurrency: 1 });
    expect(result.applied.map((a) => a.name).sort()).toStrictEqual(["a", "b"]);
    const findings = (name: string) => ({
      name,
      error: `${name}: Connect's validation refused the config (1 error(s)); nothing was written`,
      diagnostics: [
        {
          severity: "error",
          code: "connect-validation",
          message: `${name}: topics: Invalid value lots for configuration topics`,
          location: { path: "config.topics" },
        },
      ],
    });
    expect([...result.failed].sort((x, y) => x.name.localeCompare(y.name))).toStrictEqual([
      findings("c"),
      findings("u"),
    ]);
    // No validation request ahead of the writes Connect accepted.
    expect(validated.sort()).toStrictEqual(["c", "u"]);
    // Without validateConcurrency (a plan validated already), the refusal is Connect's own words.
    const plain = await applyPlan(client, planCluster("c", [desired("c")], new Map()));
    expect(plain.failed[0]?.error).toMatch(/Connector configuration is invalid .*Invalid value lots/s);
    expect(validated).toHaveLength(2);
    await client.close();
  });
});

describe("waitForStates and connectors with no tasks", () => {
  const running = { name: "m", connector: { state: "RUNNING", worker_id: "w" }, tasks: [] };

  it("accepts a RUNNING connector whose task list stays empty for the grace period", async () => {
    const s = await fake((method, url) => {
      if (method === "GET" && url === "/connectors/m/status") return [200, running];
      if (method === "GET" && url === "/connectors/m/tasks") return [200, []];
      return [500, { message: `unexpected ${method} ${url}` }];
    });
    const client = new ConnectClient({ urls: [s.url], retry });
    const events: string[] = [];
    await waitForStates(client, [desired("m")], {
      timeoutMs: 10_000,
      intervalMs: 5,
      zeroTaskGraceMs: 50,
      emit: (e) => events.push(`${e.action} ${e.detail}`),
    });
    expect(events).toStrictEqual(["done RUNNING, no tasks (the connector generated none)"]);
    // It asked for the task configs, not only the status.
    expect(s.seen).toContain("GET /connectors/m/tasks");
    await client.close();
  });

  it("keeps waiting while task configs exist that have not started", async () => {
    const s = await fake((method, url) => {
      if (method === "GET" && url === "/connectors/m/status") return [200, running];
      if (method === "GET" && url === "/connectors/m/tasks")
        return [200, [{ id: { connector: "m", task: 0 }, config: {} }]];
      return [500, { message: `unexpected ${method} ${url}` }];
    });
    const client = new ConnectClient({ urls: [s.url], retry });
    const err = await waitForStates(client, [desired("m")], {
      timeoutMs: 300,
      intervalMs: 5,
      zeroTaskGraceMs: 0,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitError);
    expect((err as WaitError).failures).toStrictEqual([{ name: "m", state: "RUNNING", traces: [] }]);
    await client.close();
  });
});
