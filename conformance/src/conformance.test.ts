import type { ValidationResult } from "@kiln/connectors";
import type { ConnectorPlugin } from "@kiln/schemas";
import { describe, expect, test } from "vitest";
import { checkListedClasses, combine, exampleProblems, judgeValidation } from "./evaluate.js";
import { matrixErrors, matrixMarkdown, rangeOfLines, testedRange } from "./matrix.js";

const entry: ConnectorPlugin = {
  apiVersion: "kiln.dev/v1",
  kind: "ConnectorPlugin",
  name: "pg",
  title: "pg",
  type: "source",
  version: "3.6.3.Final",
  license: "Apache-2.0",
  kafka: ">=4.2.0 <4.4.0",
  owners: ["t"],
  classes: [
    { class: "io.x.PgConnector", type: "source" },
    { class: "io.x.ByLogicalTableRouter", type: "transform" },
    { class: "io.x.EnvProvider", type: "config-provider" },
  ],
  artifacts: [{ type: "jar", url: "https://x/y.jar", sha512: "a".repeat(128) }],
  example: {
    class: "io.x.PgConnector",
    config: { "database.hostname": "db" },
    expectedErrors: ["database.hostname"],
  },
};

function validation(errors: Record<string, string[]>): ValidationResult {
  const keys = ["database.hostname", "topic.prefix", ...Object.keys(errors)];
  return {
    name: "io.x.PgConnector",
    error_count: Object.values(errors).flat().length,
    groups: [],
    configs: [...new Set(keys)].map((name) => ({
      definition: { name, type: "STRING" },
      value: { name, value: null, recommended_values: [], errors: errors[name] ?? [], visible: true },
    })),
  };
}

describe("checkListedClasses", () => {
  const jars = new Set(["io.x.EnvProvider"]);
  test("all present, right types, right version", () => {
    const listed = [
      { class: "io.x.PgConnector", type: "source", version: "3.6.3.Final" },
      { class: "io.x.ByLogicalTableRouter", type: "transformation" },
    ];
    expect(checkListedClasses(entry, listed, jars)).toEqual([]);
  });
  test.each([
    [
      [{ class: "io.x.ByLogicalTableRouter", type: "transformation" }],
      new Set(["io.x.EnvProvider"]),
      ["io.x.PgConnector is not listed by the worker (GET /connector-plugins)"],
    ],
    [
      [
        { class: "io.x.PgConnector", type: "sink", version: "3.6.3.Final" },
        { class: "io.x.ByLogicalTableRouter", type: "transformation" },
      ],
      jars,
      ["io.x.PgConnector is listed as sink, not source"],
    ],
    [
      [
        { class: "io.x.PgConnector", type: "source", version: "3.5.0.Final" },
        { class: "io.x.ByLogicalTableRouter", type: "transformation" },
      ],
      new Set<string>(),
      [
        "io.x.PgConnector reports version 3.5.0.Final, the entry says 3.6.3.Final",
        "config provider io.x.EnvProvider is not declared in the plugin's jars",
      ],
    ],
  ])("problems %#", (listed, providers, problems) => {
    expect(checkListedClasses(entry, listed, providers)).toEqual(problems);
  });
});

describe("judgeValidation", () => {
  test("only declared keys fail without the external system: expected-fail", () => {
    expect(judgeValidation(entry, validation({ "database.hostname": ["Unable to connect"] }), false)).toEqual(
      {
        status: "expected-fail",
        reasons: ["database.hostname (external system absent)"],
      },
    );
  });
  test("an undeclared key failing is a failure, with the worker's message", () => {
    expect(
      judgeValidation(
        entry,
        validation({ "database.hostname": ["x"], "topic.prefix": ["Missing required"] }),
        false,
      ),
    ).toEqual({
      status: "fail",
      reasons: ["example config: topic.prefix: Missing required"],
    });
  });
  test("a declared failure that does not happen means the declaration is stale", () => {
    expect(judgeValidation(entry, validation({}), false).status).toBe("fail");
  });
  test("with the external system present everything must pass", () => {
    expect(judgeValidation(entry, validation({}), true)).toEqual({ status: "pass", reasons: [] });
    expect(
      judgeValidation(entry, validation({ "database.hostname": ["Unable to connect"] }), true).status,
    ).toBe("fail");
  });
  test("combine", () => {
    expect(combine({ status: "pass", reasons: [] }, { status: "expected-fail", reasons: ["a"] })).toEqual({
      status: "expected-fail",
      reasons: ["a"],
    });
    expect(combine({ status: "fail", reasons: ["b"] }, { status: "expected-fail", reasons: ["a"] })).toEqual({
      status: "fail",
      reasons: ["b"],
    });
  });
});

describe("matrix", () => {
  const versions = ["4.2.1", "4.3.1"];
  test("testedRange spans the tested minor lines", () => {
    expect(testedRange(["4.3.1", "4.2.1"])).toBe(">=4.2.0 <4.4.0");
  });
  test("rangeOfLines joins runs of lines", () => {
    expect(rangeOfLines(["4.3.1", "4.2.0"])).toBe(">=4.2.0 <4.4.0");
    expect(rangeOfLines(["4.1.0", "4.3.1"])).toBe(">=4.1.0 <4.2.0 || >=4.3.0 <4.4.0");
  });
  test.each([
    [">=4.2.0 <4.4.0", {}, []],
    [
      ">=3.9.0 <5.0.0",
      {},
      [
        'kafka ">=3.9.0 <5.0.0" claims versions conformance does not test; narrow it to within ">=4.2.0 <4.4.0"',
      ],
    ],
    [
      ">=4.4.0",
      {},
      [
        'kafka ">=4.4.0" claims none of the tested versions (4.2.1, 4.3.1)',
        'kafka ">=4.4.0" claims versions conformance does not test; narrow it to within ">=4.2.0 <4.4.0"',
      ],
    ],
    [">=4.3.0 <4.4.0", { "4.2.1": { status: "fail" as const, reasons: ["x"] } }, []],
    [
      ">=4.2.0 <4.4.0",
      { "4.2.1": { status: "fail" as const, reasons: ["boom"] } },
      ['kafka ">=4.2.0 <4.4.0" claims 4.2.1, which fails: boom'],
    ],
    [
      ">=4.2.0 <4.4.0",
      {
        "4.2.1": { status: "fail" as const, reasons: ["boom"] },
        "4.3.1": { status: "expected-fail" as const, reasons: ["db"] },
      },
      [
        'kafka ">=4.2.0 <4.4.0" claims 4.2.1, which fails: boom',
        'it passes on 4.3.1 only: fix the failure above, or narrow kafka to ">=4.3.0 <4.4.0" (the lines it passes on)',
      ],
    ],
    [
      ">=4.2.0 <4.4.0",
      {
        "4.2.1": { status: "fail" as const, reasons: ["boom"] },
        "4.3.1": { status: "fail" as const, reasons: ["bang"] },
      },
      [
        'kafka ">=4.2.0 <4.4.0" claims 4.2.1, which fails: boom',
        'kafka ">=4.2.0 <4.4.0" claims 4.3.1, which fails: bang',
        "no Kafka line it claims passes: fix the cause above (pin a release of the plugin built for these Kafka lines, or `exclude` the bundled jars that break it), or keep the entry out of the catalog until a release works",
      ],
    ],
  ])("entry range %s", (kafka, cells, errors) => {
    expect(matrixErrors({ ...entry, kafka }, cells, versions)).toEqual(errors);
  });
  test("markdown", () => {
    const md = matrixMarkdown({
      kafkaVersions: versions,
      rows: [
        {
          entry: "pg",
          version: "3.6.3.Final",
          kafka: ">=4.3.0 <4.4.0",
          cells: {
            "4.3.1": { status: "expected-fail", reasons: ["database.hostname (external system absent)"] },
          },
          serviceLoad: false,
        },
      ],
      errors: [{ entry: "pg", message: "boom" }],
    });
    expect(md).toBe(
      [
        "| entry | version | kafka | 4.2.1 | 4.3.1 | service_load |",
        "|---|---|---|---|---|---|",
        "| `pg` | 3.6.3.Final | `>=4.3.0 <4.4.0` | — not claimed | ⚠️ expected-fail (database.hostname (external system absent)) | needs scanning |",
        "",
        "**Errors**",
        "",
        "- `pg`: boom",
        "",
      ].join("\n"),
    );
  });
});

describe("exampleProblems", () => {
  const result = (defs: Array<[string, string]>): ValidationResult => ({
    name: "io.x.PgConnector",
    error_count: 0,
    groups: [],
    configs: defs.map(([name, type]) => ({
      definition: { name, type },
      value: { name, value: null, recommended_values: [], errors: [], visible: true },
    })),
  });
  const defs = result([
    ["database.hostname", "STRING"],
    ["database.password", "PASSWORD"],
  ]);
  const withConfig = (config: Record<string, string>, passthrough?: string[]) => ({
    ...entry,
    example: { class: "io.x.PgConnector", config, ...(passthrough ? { passthrough } : {}) },
  });

  test("defined keys, Connect's own keys and passthrough prefixes are fine", () => {
    const e = withConfig(
      {
        "database.hostname": "db",
        "tasks.max": "1",
        "transforms.unwrap.type": "x",
        "database.loginTimeout": "5",
      },
      ["database."],
    );
    expect(exampleProblems(e, defs)).toEqual([]);
  });
  test("an undefined key is reported", () => {
    expect(exampleProblems(withConfig({ "database.hostnme": "db" }), defs)).toEqual([
      "example config: unknown key database.hostnme (not defined by io.x.PgConnector; declare a passthrough prefix if the plugin forwards it)",
    ]);
  });
  test("a literal PASSWORD is reported; a placeholder is not", () => {
    expect(exampleProblems(withConfig({ "database.password": "hunter2" }), defs)).toEqual([
      "example config: database.password holds a literal PASSWORD; use a config-provider placeholder",
    ]);
    expect(exampleProblems(withConfig({ "database.password": "${file:/p:password}" }), defs)).toEqual([]);
  });
});
