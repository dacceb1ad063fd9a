// Property-based tests of hostile and careless input: generated malformed documents of every
// kind, lockfiles, flag values and Connect/registry answers, each run through the real `kiln`
// command in a sandboxed repository. Whatever the input, kiln never prints "internal error",
// never exits 0 on a failed operation, never writes outside its target and never prints a value
// marked secret. The worst cases found are kept in fixtures/hostile/ and replayed every run.
//
// Connect workers and registries are stood in for by a loopback fault injector: the answers are
// generated to be wrong, which no real peer would produce (the real-peer suites in test/ cover
// the right answers).
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { EXIT_USAGE } from "./exit.js";
import {
  CONNECT_PASSWORD,
  catalogEntry,
  connectorFile,
  FaultServer,
  type FileSpec,
  invariantViolations,
  REGISTRY_PASSWORD,
  type Reply,
  type Sandbox,
  Sandboxes,
  SECRET,
  targetFile,
} from "./testing/hostile.js";

const repo = new URL("../../", import.meta.url).pathname;
const corpusDir = new URL("../fixtures/hostile/", import.meta.url).pathname;
/** Runs per property; raise with KILN_FUZZ_RUNS for a longer hunt. */
const RUNS = Number(process.env.KILN_FUZZ_RUNS ?? 15);
/** KILN_FUZZ_SEED replays a failing run (fast-check prints the seed). */
const runs = (n: number) => ({
  numRuns: n,
  ...(process.env.KILN_FUZZ_SEED ? { seed: Number(process.env.KILN_FUZZ_SEED) } : {}),
});
/** A property's time budget: a run may wait out a fault's whole --timeout (2-3 s). */
const BUDGET = { timeout: 60_000 + RUNS * 5_000 };
const SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector";

let server: FaultServer;
let boxes: Sandboxes;

/** `kiln bake` of a local plugin directory onto a base in the fault injector's registry. */
const BAKE = [
  "bake",
  "--base",
  "{host}/base:1",
  "--insecure-registry",
  "{host}",
  "--plugin-dir",
  "p=plugin-dir",
  "--output",
  "oci:out/img",
];

/** A Connect worker as far as planning needs one: one plugin, no connectors; every write refused. */
function connectScript(): Record<string, Reply> {
  const json = (status: number, body: unknown): Reply => ({ status, body: JSON.stringify(body) });
  return {
    "GET /": json(200, { version: "4.3.1", commit: "x", kafka_cluster_id: "c" }),
    "GET /connectors?expand=status&expand=info": json(200, {}),
    "GET /connectors": json(200, []),
    "GET /connector-plugins": json(200, [{ class: SINK, type: "sink", version: "4.3.1" }]),
    [`GET /connector-plugins/${SINK}/config`]: json(200, [{ name: "file", type: "STRING" }]),
    [`PUT /connector-plugins/${SINK}/config/validate`]: json(200, {
      name: SINK,
      error_count: 0,
      groups: [],
      configs: [],
    }),
    "POST /connectors": json(400, { error_code: 400, message: "refused by the fault injector" }),
  };
}

/** Registry credentials in the sandbox's Docker config (unless the case brings its own). */
function dockerConfig(sandbox: Sandbox): void {
  const file = join(sandbox.home, ".docker", "config.json");
  if (existsSync(file)) return;
  const auth = Buffer.from(`kiln:${REGISTRY_PASSWORD}`).toString("base64");
  writeFileSync(file, JSON.stringify({ auths: { [server.host]: { auth } } }));
}

beforeAll(async () => {
  server = await new FaultServer().start();
  boxes = await Sandboxes.create(server);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  boxes?.remove();
});

/** Runs kiln in a fresh sandbox and returns the invariant violations (empty when it behaved). */
async function attempt(
  files: Record<string, FileSpec>,
  args: string[],
  opts: { allowed?: string[]; mustFail?: boolean; escaped?: string; script?: Record<string, Reply> } = {},
) {
  server.set(opts.script ?? connectScript());
  const sandbox = boxes.sandbox(files);
  try {
    dockerConfig(sandbox);
    const r = await sandbox.run(args.map((a) => a.replaceAll("{host}", server.host)));
    return { r, violations: invariantViolations(sandbox, r, opts), seen: server.seen };
  } finally {
    sandbox.remove();
  }
}

// --- generators --------------------------------------------------------------------------------

/** Values a careless or hostile author writes where something else belongs. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    null,
    "",
    -1,
    0,
    2 ** 31,
    2 ** 53,
    1e300,
    "../../../../escaped",
    "/dev/zero",
    "\u00a0\u200b",
    "x".repeat(5000),
    `jdbc:postgresql://app:${SECRET}-url@db/orders`,
    `https://kafka:${SECRET}-issuer@sso.example.com/realms/k`,
    "LITERAL${env:X}",
    { a: { b: { c: { d: [[[]]] } } } },
  ),
);

type Doc = Record<string, unknown>;

/** Every path into a parsed document. */
function paths(v: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  const out = [at];
  if (Array.isArray(v)) for (const [i, x] of v.entries()) out.push(...paths(x, [...at, i]));
  else if (v && typeof v === "object")
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

function setAt(doc: Doc, path: Array<string | number> | undefined, value: unknown, remove = false): void {
  if (!path || path.length === 0) return;
  let node = doc as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) {
    node = node?.[seg] as Record<string | number, unknown>;
    if (!node || typeof node !== "object") return;
  }
  const last = path.at(-1) as string | number;
  if (remove) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = value;
}

interface Mutation {
  /** Mutates a parsed document; returns whether the result is invalid for certain. */
  apply(doc: Doc): boolean;
  label: string;
}

/** Changes whose outcome nobody can tell in advance (the document may or may not stay valid). */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), oddValue).map(([i, v]) => ({
    label: `set a value to ${JSON.stringify(v)?.slice(0, 40)}`,
    apply: (doc: Doc) => {
      const all = paths(doc).filter((p) => p.length > 0);
      // A copy: a generated object is shared by every case that draws it, and a later change
      // inside the document must not reach it (a value set into itself once made it circular).
      setAt(doc, all[i % all.length], structuredClone(v));
      return false;
    },
  })),
  fc.nat().map((i) => ({
    label: "delete a value",
    apply: (doc: Doc) => {
      const all = paths(doc).filter((p) => p.length > 0);
      setAt(doc, all[i % all.length], undefined, true);
      return false;
    },
  })),
  fc
    .tuple(fc.nat(), fc.constantFrom("db.password", "sasl.jaas.config", "api.key", "client.secret"))
    .map(([i, key]) => ({
      label: `a literal secret under ${key}`,
      apply: (doc: Doc) => {
        const maps = paths(doc).filter((p) => {
          const v = get(doc, p);
          return v !== null && typeof v === "object" && !Array.isArray(v);
        });
        const at = maps[i % maps.length] ?? [];
        (get(doc, at) as Doc)[key] = `${SECRET}-literal`;
        return false;
      },
    })),
);

/** A last change that makes any document invalid for certain (applied after the others). */
const invalidator: fc.Arbitrary<Mutation> = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }).map((k) => ({
    label: `an unknown top-level field ${k}`,
    apply: (doc: Doc) => {
      doc[`x-${k}`] = "surprise";
      return true;
    },
  })),
  fc.constant({
    label: "no apiVersion",
    apply: (doc: Doc) => {
      delete doc.apiVersion;
      return true;
    },
  }),
  fc.nat().map((i) => ({
    label: "a credential written into a URL",
    apply: (doc: Doc) => {
      const strings = paths(doc).filter(
        (p) =>
          p.length > 0 && typeof get(doc, p) === "string" && p.at(-1) !== "kind" && p.at(-1) !== "apiVersion",
      );
      if (strings.length === 0) {
        doc["x-url"] = `https://u:${SECRET}-mut@h.example.com/x`;
        return true;
      }
      setAt(doc, strings[i % strings.length], `https://u:${SECRET}-mut@h.example.com/x`);
      return true;
    },
  })),
);

function get(doc: unknown, path: Array<string | number>): unknown {
  let node = doc as Record<string | number, unknown> | undefined;
  for (const seg of path) node = node?.[seg] as Record<string | number, unknown> | undefined;
  return node;
}

/** How the mutated document is written: YAML, JSON, one flow line, with a BOM, quoted kind… */
const rendering = fc.constantFrom(
  "yaml",
  "json",
  "flow",
  "bom",
  "quoted-kind",
  "zero-width",
  "truncated",
  "tabs",
);

function render(doc: Doc, how: string): string {
  const yaml = stringifyYaml(doc);
  switch (how) {
    case "json":
      return JSON.stringify(doc, null, 2);
    case "flow":
      return `${JSON.stringify(doc)}\n`;
    case "bom":
      return `\uFEFF${yaml}`;
    case "quoted-kind":
      return yaml.replace(/^kind: (\w+)$/m, "kind: '$1'");
    case "zero-width":
      return yaml.replace(/\n/, "\n\u200b");
    case "truncated":
      // Cut at a line end: half a document, but no value cut in two (half a URL is no URL).
      return yaml.slice(0, Math.max(1, yaml.lastIndexOf("\n", Math.floor(yaml.length / 2)) + 1));
    case "tabs":
      return yaml.replace(/\n {2}/, "\n\t");
    default:
      return yaml;
  }
}

/** Whether a rendering keeps a valid document valid. */
const faithful = (how: string) => ["yaml", "json", "flow", "bom", "quoted-kind"].includes(how);

interface Kind {
  name: string;
  file: string;
  seed: () => string;
  /** Commands that read the file, and whether they must fail when the file is invalid. */
  commands: Array<{ args: string[]; allowed?: string[]; failsOnInvalid: boolean }>;
}

const kinds: Kind[] = [
  {
    name: "Connector",
    file: "connectors/orders.yaml",
    seed: () =>
      connectorFile(
        "orders",
        "  topics: orders\n  file: /tmp/orders.txt\n  db.password: ${file:/s/db.properties:pw}\n",
      ),
    commands: [
      { args: ["validate", "connectors/orders.yaml"], failsOnInvalid: true },
      { args: ["connectors", "plan", "--timeout", "3s"], failsOnInvalid: true },
    ],
  },
  {
    name: "ConnectTarget",
    file: "connectors/_local.yaml",
    seed: () => targetFile("http://{host}"),
    commands: [
      { args: ["validate", "connectors/_local.yaml"], failsOnInvalid: true },
      { args: ["connectors", "status", "--timeout", "3s"], failsOnInvalid: true },
    ],
  },
  {
    name: "ConnectorPlugin",
    file: "catalog/connectors/pg.yaml",
    seed: () => catalogEntry(),
    commands: [
      { args: ["validate"], failsOnInvalid: true },
      { args: ["lock", "--check"], failsOnInvalid: true },
    ],
  },
  {
    name: "Cluster",
    file: "clusters/orders.yaml",
    seed: () => readFileSync(join(repo, "examples/three-zone/cluster.yaml"), "utf8"),
    commands: [
      { args: ["validate", "clusters/orders.yaml"], failsOnInvalid: true },
      {
        args: ["render", "clusters/orders.yaml", "--out", "out/render"],
        allowed: ["out"],
        failsOnInvalid: true,
      },
    ],
  },
  {
    name: "LicensePolicy",
    file: "catalog/license-policy.yaml",
    seed: () => readFileSync(join(repo, "catalog/license-policy.yaml"), "utf8"),
    commands: [{ args: ["validate"], failsOnInvalid: true }],
  },
];

// --- properties ----------------------------------------------------------------------------------

describe("hostile input: generated cases keep every invariant", () => {
  for (const kind of kinds) {
    it(`malformed ${kind.name} documents`, BUDGET, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(mutation, { maxLength: 3 }),
          fc.option(invalidator),
          rendering,
          fc.nat(kind.commands.length - 1),
          async (ms, last, how, c) => {
            const doc = parseYaml(kind.seed().replaceAll("{host}", server.host)) as Doc;
            for (const m of ms) m.apply(doc);
            const invalid = last ? last.apply(doc) : false;
            const command = kind.commands[c] as Kind["commands"][number];
            const { violations } = await attempt({ [kind.file]: render(doc, how) }, command.args, {
              ...(command.allowed ? { allowed: command.allowed } : {}),
              mustFail: invalid && faithful(how) && command.failsOnInvalid,
            });
            expect(violations).toStrictEqual([]);
          },
        ),
        runs(RUNS),
      );
    });
  }

  it("malformed lockfiles", BUDGET, async () => {
    const lockText = readFileSync(join(boxes.template, "work", "kiln.lock.json"), "utf8");
    const lockValue = fc.oneof(
      oddValue,
      fc.nat({ max: 12 }).map((k) => `${"../".repeat(k)}escaped.jar`),
      fc.constantFrom(
        "/etc/passwd",
        "C:\\x.jar",
        "a/../../b",
        "..",
        "http://127.0.0.1:1/x.jar",
        "0777",
        "120777",
      ),
    );
    const lockMutation = fc.oneof(
      fc.tuple(fc.nat(), lockValue).map(([i, v]) => (lock: Doc) => {
        const all = paths(lock).filter((p) => p.length > 0);
        setAt(lock, all[i % all.length] as Array<string | number>, structuredClone(v)); // as above
      }),
      fc.nat().map((i) => (lock: Doc) => {
        const all = paths(lock).filter((p) => p.length > 0);
        setAt(lock, all[i % all.length] as Array<string | number>, undefined, true);
      }),
      fc.nat({ max: 12 }).map((k) => (lock: Doc) => {
        // An extra file injected into a one-file artifact, named to climb out.
        const files = get(lock, ["plugins", "pg", "artifacts", 0, "files"]) as Doc[] | undefined;
        if (Array.isArray(files) && files[0])
          files.push({ ...files[0], fileName: `${"../".repeat(k)}escaped.jar` });
      }),
      fc.constant((lock: Doc) => {
        const plugins = lock.plugins as Doc | null | undefined;
        if (plugins && typeof plugins === "object") plugins["../../escaped"] = plugins.pg;
      }),
    );
    const command = fc.constantFrom<string[]>(
      ["lock", "--check"],
      ["resolve", "--timeout", "3s"],
      ["inspect", "pg", "--timeout", "3s"],
      ["lock", "--timeout", "3s"],
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(lockMutation, { minLength: 1, maxLength: 3 }),
        fc.constantFrom("json", "bom", "truncated"),
        command,
        async (ms, how, args) => {
          const lock = JSON.parse(lockText) as Doc;
          for (const m of ms) m(lock);
          const json = `${JSON.stringify(lock, null, 2)}\n`;
          const text =
            how === "bom" ? `\uFEFF${json}` : how === "truncated" ? json.slice(0, json.length / 2) : json;
          const { violations } = await attempt({ "kiln.lock.json": text }, args, {
            // `lock` rewrites the lock; everything else leaves the repository as it is.
            allowed: args[0] === "lock" && args[1] !== "--check" ? ["kiln.lock.json"] : [],
            mustFail: args[1] === "--check" && text !== lockText,
            escaped: "escaped.jar",
          });
          expect(violations).toStrictEqual([]);
        },
      ),
      runs(RUNS * 2),
    );
  });

  it("flag values", BUDGET, async () => {
    const value = fc.oneof(
      fc.string({ maxLength: 12 }).filter((s) => !s.startsWith("-")),
      fc.integer({ min: -5, max: 100_000 }).map(String),
      fc.stringMatching(/^[0-9]{1,3}(\.[0-9])?(ms|s|m|h)?$/),
      fc.constantFrom(
        "abc",
        "0",
        "1e3",
        "NaN",
        "Infinity",
        "",
        " ",
        "1.5",
        "99999999999999999999",
        "5m",
        "1h30m",
        "0s",
        "auto",
        "linux/amd64",
        "linux",
        `nosuch=x@sha256:${"a".repeat(64)}`,
        `cdc=r.example.com/c@sha256:${"a".repeat(64)}`,
        "brokers=2",
        "Brokers=2",
        "brokers=0",
        "=2",
        "9",
        "10",
        "19",
        "22",
        "23",
      ),
    );
    const positive = (min: number, max: number) => (v: string) =>
      /^\s*[0-9]+\s*$/.test(v) && Number(v) >= min && Number(v) <= max;
    // The grammar the flag documents, written out independently of its parser.
    const duration = (v: string) => {
      const t = v.trim();
      const bare = /^[0-9]+(\.[0-9]+)?$/.test(t);
      if (!bare && !/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/.test(t)) return false;
      const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>;
      const ms = bare
        ? Number(t) * 1000
        : [...t.matchAll(/([0-9.]+)(ms|s|m|h)/g)].reduce(
            (n, m) => n + Number(m[1]) * (unit[m[2] as string] as number),
            0,
          );
      return ms > 0 && ms <= 7 * 24 * 3_600_000;
    };
    const ADD_SOURCE = "https://127.0.0.1:1/acme-connector-1.0.0.jar";
    const flags: Array<{
      flag: string;
      args: (v: string) => string[];
      valid: (v: string) => boolean;
      allowed?: string[];
    }> = [
      {
        flag: "--concurrency",
        args: (v) => ["connectors", "apply", "--timeout", "3s", "--concurrency", v],
        valid: positive(1, 256),
      },
      {
        flag: "--wait-timeout",
        args: (v) => ["connectors", "apply", "--timeout", "3s", "--wait-timeout", v],
        valid: duration,
      },
      { flag: "--timeout", args: (v) => ["connectors", "drift", "--timeout", v], valid: duration },
      {
        flag: "--max-restarts",
        args: (v) => ["connectors", "restart", "--auto", "--timeout", "6s", "--max-restarts", v],
        valid: positive(1, 100),
      },
      // No file declares an environment: every --env is a usage error.
      {
        flag: "--env",
        args: (v) => ["connectors", "plan", "--timeout", "3s", "--env", v],
        valid: () => false,
      },
      // gzip (the default) has levels 0-9; zstd 1-22.
      {
        flag: "--level",
        args: (v) => [...BAKE, "--timeout", "3s", "--level", v],
        valid: (v) => v === "auto" || positive(0, 9)(v),
        allowed: ["out"],
      },
      {
        flag: "--level",
        args: (v) => [...BAKE, "--timeout", "3s", "--compression", "zstd", "--level", v],
        valid: (v) => v === "auto" || positive(1, 22)(v),
        allowed: ["out"],
      },
      {
        flag: "--platform",
        args: (v) => [...BAKE, "--timeout", "3s", "--platform", v],
        valid: (v) =>
          /^[a-z0-9._-]+\/[a-z0-9._-]+(\/[a-z0-9._-]+)?(,[a-z0-9._-]+\/[a-z0-9._-]+(\/[a-z0-9._-]+)?)*$/.test(
            v,
          ),
        allowed: ["out"],
      },
      {
        flag: "--image",
        args: (v) => [
          "render",
          join(repo, "examples/three-zone/cluster.yaml"),
          "--out",
          "out/r",
          "--image",
          v,
        ],
        valid: (v) => /^(cdc|sinks)=./.test(v),
        allowed: ["out"],
      },
      // A valid value fails next on the missing file (exit 1), never starting anything.
      {
        flag: "--scale",
        args: (v) => ["up", "nosuch.yaml", "--state", "out/up", "--scale", v],
        valid: (v) => /^([a-z0-9]([-a-z0-9]*[a-z0-9])?=)?[1-9]$/.test(v),
        allowed: ["out"],
      },
      {
        flag: "--kafka",
        args: (v) => ["catalog", "list", "--kafka", v],
        valid: (v) => /^[0-9]+\.[0-9]+(\.[0-9]+)?$/.test(v.trim()),
      },
      // A valid value gets as far as the download, which nothing answers (exit 1).
      {
        flag: "--name",
        args: (v) => ["catalog", "add", ADD_SOURCE, "--owners", "t", "--timeout", "3s", "--name", v],
        valid: (v) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(v),
      },
      {
        flag: "--owners",
        args: (v) => ["catalog", "add", ADD_SOURCE, "--timeout", "3s", "--owners", v],
        valid: (v) => v.split(",").every((o) => o.trim() !== ""),
      },
      {
        flag: "offsets",
        args: (v) => ["connectors", "offsets", v, "orders", "--timeout", "3s"],
        valid: (v) => ["get", "reset", "alter"].includes(v),
        allowed: [".kiln"],
      },
    ];
    await fc.assert(
      fc.asyncProperty(fc.nat(flags.length - 1), value, async (i, v) => {
        const f = flags[i] as (typeof flags)[number];
        const { r, violations } = await attempt({}, f.args(v), {
          ...(f.allowed ? { allowed: f.allowed } : {}),
        });
        expect(violations).toStrictEqual([]);
        if (!f.valid(v)) {
          expect({ value: v, code: r.code }).toStrictEqual({ value: v, code: EXIT_USAGE });
          expect(r.stderr).toContain(f.flag === "offsets" ? "action" : f.flag);
        }
      }),
      runs(RUNS * 3),
    );
  });

  it("Connect workers answering wrong", BUDGET, async () => {
    const body = fc.oneof(
      fc.constantFrom(
        "",
        "<html><body>Sign in</body></html>",
        "{",
        "null",
        '"text"',
        "[1,2]",
        '{"a":5}',
        '{"version":4.3}',
        '{"a":{"status":{"connector":{"state":1}}}}',
        `{"error_code":401,"message":"user kiln password ${CONNECT_PASSWORD} refused"}`,
      ),
      fc
        .jsonValue({ maxDepth: 2 })
        .map((v) => JSON.stringify(v))
        .filter((t) => !/^\{"version":"/.test(t)),
    );
    const reply: fc.Arbitrary<Reply> = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({
          status: fc.constantFrom(200, 201, 204, 301, 302, 307, 400, 401, 403, 404, 409, 500, 502, 503),
          body,
          headers: fc.constantFrom<Record<string, string>>(
            {},
            { location: `https://sso.example.com/login?token=${SECRET}` },
            { "content-type": "text/html" },
          ),
        }),
      },
      { weight: 1, arbitrary: fc.constant({ reset: true } as const) },
      { weight: 1, arbitrary: fc.constant({ hang: true } as const) },
    );
    const endpoints = [
      "GET /",
      "GET /connectors?expand=status&expand=info",
      "GET /connectors",
      "GET /connector-plugins",
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(...endpoints.map(() => reply)),
        fc.constantFrom("plan", "status", "drift", "apply"),
        async (replies, verb) => {
          // `/` and the connector list never answer right: every verb must fail, and say so.
          const script = Object.fromEntries(endpoints.map((e, i) => [e, replies[i] as Reply]));
          const { r, violations } = await attempt({}, ["connectors", verb, "--timeout", "2s"], {
            script,
            mustFail: true,
          });
          expect(violations).toStrictEqual([]);
          expect(r.code).toBe(1);
        },
      ),
      runs(RUNS),
    );
  });

  it("registries answering wrong", BUDGET, async () => {
    const realm = fc.constantFrom(
      `Bearer realm="http://{host}/token",service="r"`,
      'Bearer realm="::not a url::"',
      'Bearer realm="file:///etc/passwd"',
      'Basic realm="r"',
      "Negotiate",
      "",
    );
    const garbage = fc.constantFrom(
      "",
      "<html>login</html>",
      "{",
      "null",
      '{"token":5}',
      '{"access_token":""}',
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"sha256:xx"},"layers":"no"}',
      `{"errors":[{"code":"DENIED","message":"bad password ${REGISTRY_PASSWORD}"}]}`,
    );
    const reply = (bodies: fc.Arbitrary<string>): fc.Arbitrary<Reply> =>
      fc.oneof(
        {
          weight: 6,
          arbitrary: fc.record({
            status: fc.constantFrom(200, 401, 403, 404, 500, 503),
            body: bodies,
            headers: fc.constant({}),
          }),
        },
        { weight: 1, arbitrary: fc.constant({ hang: true } as const) },
        { weight: 1, arbitrary: fc.constant({ reset: true } as const) },
      );
    await fc.assert(
      fc.asyncProperty(realm, reply(garbage), reply(garbage), async (challenge, token, manifest) => {
        const script: Record<string, Reply> = {
          "GET /v2/": {
            status: 401,
            body: "",
            headers: challenge ? { "www-authenticate": challenge.replace("{host}", server.host) } : {},
          },
          "GET /token": token,
          "HEAD /v2/base/manifests/1": manifest,
          "GET /v2/base/manifests/1": manifest,
        };
        const { violations } = await attempt({}, [...BAKE, "--timeout", "2s"], {
          script,
          mustFail: true,
          allowed: ["out"],
        });
        expect(violations).toStrictEqual([]);
      }),
      runs(RUNS),
    );
  });
});

// --- the corpus ----------------------------------------------------------------------------------

interface CorpusCase {
  description: string;
  files?: Record<string, FileSpec>;
  /** Replies of the fault injector (default: a Connect worker with one plugin and nothing on it). */
  script?: Record<string, Reply>;
  args: string[];
  allowed?: string[];
  escaped?: string;
  /** Requests (`METHOD /path` prefixes) kiln must never send. */
  forbid?: string[];
  expect: { code: number; stderr?: string; stdout?: string };
}

const corpus = readdirSync(corpusDir)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => [f, JSON.parse(readFileSync(join(corpusDir, f), "utf8")) as CorpusCase] as const);

describe("hostile input: the corpus of worst cases", () => {
  it.each(corpus)("%s", async (_file, c) => {
    const fill = (s: string) => s.replaceAll("{host}", server.host).replaceAll("{url}", server.url);
    const files = Object.fromEntries(
      Object.entries(c.files ?? {}).map(([k, v]) => [k, typeof v === "string" ? fill(v) : v]),
    );
    const script = c.script
      ? Object.fromEntries(
          Object.entries(c.script).map(([k, v]) => [
            k,
            "headers" in v && v.headers
              ? { ...v, headers: Object.fromEntries(Object.entries(v.headers).map(([h, x]) => [h, fill(x)])) }
              : v,
          ]),
        )
      : undefined;
    const { r, violations, seen } = await attempt(files, c.args.map(fill), {
      ...(c.allowed ? { allowed: c.allowed } : {}),
      ...(c.escaped ? { escaped: c.escaped } : {}),
      ...(script ? { script: { ...connectScript(), ...script } } : {}),
      mustFail: c.expect.code !== 0,
    });
    expect(violations).toStrictEqual([]);
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: c.expect.code });
    if (c.expect.stderr) expect(r.stderr).toMatch(new RegExp(c.expect.stderr));
    if (c.expect.stdout) expect(r.stdout).toMatch(new RegExp(c.expect.stdout));
    const sent = seen.map((q) => `${q.method} ${q.path}`);
    for (const f of c.forbid ?? []) expect(sent.filter((q) => q.startsWith(f))).toStrictEqual([]);
  });
});
