import { describe, expect, it } from "vitest";
import type { DesiredConnector } from "./desired.js";
import { changeJson, formatPlan, summarize } from "./format-plan.js";
import { driftOf, globMatch, type LiveConnector, pendingChanges, planCluster } from "./planner.js";

const cls = "org.apache.kafka.connect.file.FileStreamSinkConnector";
function want(
  name: string,
  config: Record<string, string> = {},
  state: DesiredConnector["state"] = "running",
): DesiredConnector {
  return {
    name,
    cluster: "c1",
    state,
    connectorClass: cls,
    plugin: { name: "file" },
    config: { "connector.class": cls, "tasks.max": "1", topics: "t", ...config },
    location: { file: `${name}.yaml` },
  };
}
function live(
  name: string,
  config: Record<string, string> = {},
  state: LiveConnector["state"] = "RUNNING",
): LiveConnector {
  return {
    name,
    config: { name, "connector.class": cls, "tasks.max": "1", topics: "t", ...config },
    state,
    tasks: [],
  };
}
const liveMap = (...l: LiveConnector[]) => new Map(l.map((x) => [x.name, x]));
const kinds = (p: ReturnType<typeof planCluster>) => p.changes.map((c) => [c.name, c.kind]);

describe("planCluster", () => {
  it("labels create, update, state change and no-op", () => {
    const plan = planCluster(
      "c1",
      [
        want("a"),
        want("b", { topics: "t2" }),
        want("c", {}, "paused"),
        want("d", { topics: "x, y" }),
        want("e", {}, "stopped"),
      ],
      liveMap(live("b"), live("c"), live("d", { topics: "x,y" }), live("e", {}, "STOPPED")),
    );
    expect(kinds(plan)).toStrictEqual([
      ["a", "create"],
      ["b", "update"],
      ["c", "state"],
      ["d", "noop"],
      ["e", "noop"],
    ]);
    expect(plan.changes[1]?.diff).toStrictEqual([{ key: "topics", before: "t", after: "t2" }]);
    expect(plan.changes[2]).toMatchObject({ fromState: "RUNNING", toState: "paused" });
  });

  it("an update that also moves state carries both", () => {
    const plan = planCluster("c1", [want("a", { topics: "z" }, "stopped")], liveMap(live("a", {}, "PAUSED")));
    expect(plan.changes[0]).toMatchObject({ kind: "update", fromState: "PAUSED", toState: "stopped" });
  });

  it.each([
    ["FAILED", "noop"],
    ["UNASSIGNED", "noop"],
    ["PAUSED", "state"],
    ["STOPPED", "state"],
    [undefined, "noop"],
  ] as const)("a connector meant to run that is %s: %s", (state, kind) => {
    expect(planCluster("c1", [want("a")], liveMap(live("a", {}, state))).changes[0]?.kind).toBe(kind);
  });

  it("ignores connectors of other clusters", () => {
    expect(planCluster("c2", [want("a")], new Map()).changes).toStrictEqual([]);
  });

  it("rejects a connector declared twice", () => {
    expect(() => planCluster("c1", [want("a"), want("a")], new Map())).toThrow(/twice/);
  });

  describe("ownership of undeclared connectors", () => {
    const l = liveMap(live("mine"), live("theirs"), live("mm2-source"));
    it.each([
      [
        "ignore",
        [
          ["mine", "noop"],
          ["mm2-source", "unmanaged"],
          ["theirs", "unmanaged"],
        ],
        0,
        0,
      ],
      [
        "adopt",
        [
          ["mine", "noop"],
          ["mm2-source", "unmanaged"],
          ["theirs", "unmanaged"],
        ],
        0,
        1,
      ],
      [
        "prune",
        [
          ["mine", "noop"],
          ["mm2-source", "unmanaged"],
          ["theirs", "delete"],
        ],
        1,
        1,
      ],
    ] as const)("%s", (mode, expected, pending, drift) => {
      const ownership = { mode, protect: ["mm2-*"] };
      const plan = planCluster("c1", [want("mine")], l, ownership);
      expect(kinds(plan)).toStrictEqual(expected);
      expect(pendingChanges(plan)).toHaveLength(pending);
      expect(driftOf(plan, ownership)).toHaveLength(drift);
      expect(plan.changes.find((c) => c.name === "mm2-source")?.note).toBe("protected (mm2-*)");
    });
  });

  it.each([
    ["mm2-*", "mm2-source", true],
    ["mm2-*", "x-mm2-source", false],
    ["a.b", "axb", false],
    ["*", "anything", true],
  ])("glob %s matches %s: %s", (p, n, m) => {
    expect(globMatch(p, n)).toBe(m);
  });
});

describe("plan output", () => {
  it("redacts secret values in diffs and creates, keeps placeholders", () => {
    const plan = planCluster(
      "c1",
      [
        want("a", { "db.password": "${file:/s:pw}", "x.pass": "lit" }),
        want("b", { "db.password": "new-literal" }),
      ],
      liveMap(live("b", { "db.password": "old-literal" })),
    );
    const keys = () => new Set(["x.pass"]);
    const text = formatPlan([{ plan }], keys);
    const json = JSON.stringify(plan.changes.map((c) => changeJson(c, keys)));
    for (const out of [text, json]) {
      expect(out).not.toContain("literal");
      expect(out).not.toContain('"lit"');
    }
    expect(json).toContain("${file:/s:pw}");
    expect(text).toContain('db.password: "(redacted)" → "(redacted)"');
    expect(text).toContain("~ update    b (restarts the connector)");
    expect(summarize([plan])).toMatchObject({ create: 1, update: 1 });
  });
});
