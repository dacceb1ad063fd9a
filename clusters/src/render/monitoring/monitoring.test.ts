import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { exampleFiles, loadExample } from "../../testing/examples.js";
import {
  CONNECT_RULES,
  CRUISE_CONTROL_RULES,
  exporterConfig,
  KAFKA_EXPORTER_METRICS,
  KAFKA_RULES,
  MIRRORMAKER2_RULES,
  metricNames,
} from "./jmx-rules.js";

/** Every metric name the rendered exporters (and Kafka Exporter) produce. */
const INVENTORY = new Set([
  ...metricNames(KAFKA_RULES),
  ...metricNames(MIRRORMAKER2_RULES),
  ...metricNames(CRUISE_CONTROL_RULES),
  ...KAFKA_EXPORTER_METRICS,
]);
const PROMQL_WORDS = new Set([
  "sum",
  "max",
  "min",
  "avg",
  "count",
  "by",
  "without",
  "rate",
  "irate",
  "increase",
  "changes",
  "or",
  "and",
  "unless",
  "on",
  "ignoring",
  "vector",
  "time",
  "abs",
  "topk",
  "bottomk",
  "offset",
  "bool",
  "absent",
]);

/** Metric names in a PromQL expression: identifiers not followed by `(`, not label names, not keywords. */
export function metricsIn(expr: string): string[] {
  const stripped = expr
    .replace(/\{[^}]*\}/g, "{}")
    .replace(/"[^"]*"/g, '""')
    .replace(/\[[^\]]*\]/g, "");
  const names = new Set<string>();
  const groupings = /\b(by|without|on|ignoring)\s*\(([^)]*)\)/g;
  const withoutGroupings = stripped.replace(groupings, "");
  for (const m of withoutGroupings.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)) {
    const word = m[1] as string;
    if (PROMQL_WORDS.has(word) || /^[0-9]/.test(word)) continue;
    names.add(word);
  }
  return [...names].sort();
}

describe("metricsIn", () => {
  it("finds metric names and skips functions, groupings and labels", () => {
    expect(metricsIn('sum by (pod) (rate(a_total{x="y"}[5m])) / max(b_c) > 0')).toStrictEqual([
      "a_total",
      "b_c",
    ]);
  });
});

describe("exporter configs", () => {
  it("name every metric literally, once per pattern", () => {
    for (const r of [...KAFKA_RULES, ...MIRRORMAKER2_RULES, ...CRUISE_CONTROL_RULES])
      expect(r.name).toMatch(/^[a-z_][a-z0-9_]*$/);
    expect(new Set(KAFKA_RULES.map((r) => r.pattern)).size).toBe(KAFKA_RULES.length);
  });
  it("are valid YAML with the rules in order", () => {
    const parsed = parse(exporterConfig(CONNECT_RULES)) as {
      rules: { name: string; pattern: string }[];
      lowercaseOutputName: boolean;
    };
    expect(parsed.lowercaseOutputName).toBe(true);
    expect(parsed.rules.map((r) => r.name)).toStrictEqual(CONNECT_RULES.map((r) => r.name));
    expect(parsed.rules[0]?.pattern).toBe(CONNECT_RULES[0]?.pattern);
  });
});

describe.each(exampleFiles())("dashboards of %s", (file) => {
  const { result } = loadExample(file);
  const dashboards = result.items
    .map((i) => i.object)
    .filter((o) => o.kind === "ConfigMap" && o.metadata.labels?.grafana_dashboard === "1");

  it("exist for Kafka, KRaft and Kafka Exporter at least", () => {
    expect(dashboards.length).toBeGreaterThanOrEqual(3);
  });
  it.each(dashboards.map((d) => [d.metadata.name, d] as const))(
    "%s is valid JSON using only produced metrics",
    (_n, cm) => {
      if (cm.kind !== "ConfigMap") throw new Error("not a ConfigMap");
      for (const text of Object.values(cm.data)) {
        const d = JSON.parse(text) as { panels: { targets?: { expr: string }[] }[]; uid: string };
        expect(d.uid).toBe(cm.metadata.name.replace(/-dashboard$/, ""));
        expect(d.panels.length).toBeGreaterThan(0);
        const used = d.panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricsIn(t.expr)));
        expect(used.length).toBeGreaterThan(0);
        expect(used.filter((m) => !INVENTORY.has(m))).toStrictEqual([]);
      }
    },
  );
  it("the inventory check would catch an unknown metric", () => {
    expect(metricsIn("sum(kafka_made_up_metric)").filter((m) => !INVENTORY.has(m))).toStrictEqual([
      "kafka_made_up_metric",
    ]);
  });
});

describe("Alertmanager routing example", () => {
  it("routes critical alerts to the pager, reads credentials from files and names only declared receivers", () => {
    const text =
      loadExample("three-zone/cluster.yaml").result.documents[
        "monitoring/alertmanager-routing.example.yaml"
      ] ?? "";
    const config = parse(text) as {
      route: { receiver: string; routes: { matchers: string[]; receiver: string }[] };
      receivers: Record<string, unknown>[];
    };
    const receivers = new Set(config.receivers.map((r) => r.name));
    expect(
      [config.route.receiver, ...config.route.routes.map((r) => r.receiver)].filter((r) => !receivers.has(r)),
    ).toStrictEqual([]);
    expect(config.route.routes.find((r) => r.matchers.includes('severity="critical"'))?.receiver).toBe(
      "kafka-pager",
    );
    expect(text).not.toMatch(/api_url:|routing_key:|password:/);
  });
});
