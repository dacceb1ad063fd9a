import { describe, expect, it } from "vitest";
import {
  CONNECT_RULES,
  CRUISE_CONTROL_RULES,
  exporterConfig,
  includeObjectNames,
  KAFKA_RULES,
  MIRRORMAKER2_RULES,
} from "./jmx-rules.js";

/** The MBean name (as the exporter formats it, `domain<k=v, …><>attr`) back to `domain:type=X`. */
function domainAndType(pattern: string): string {
  const m = /^([^<]+)<type=([^,>]+)/.exec(pattern);
  return `${m?.[1]}:type=${m?.[2]}`;
}

describe("includeObjectNames", () => {
  it.each([
    ["kafka", KAFKA_RULES],
    ["connect", CONNECT_RULES],
    ["mirrormaker2", MIRRORMAKER2_RULES],
  ])("%s: lists the MBeans of every rule, and only those", (_name, rules) => {
    const include = includeObjectNames(rules) ?? [];
    expect(include.length).toBeGreaterThan(0);
    expect(new Set(include)).toEqual(new Set(rules.map((r) => `${domainAndType(r.pattern)},*`)));
    expect(exporterConfig(rules)).toContain(`includeObjectNames:\n  - ${JSON.stringify(include[0])}`);
  });
  it("cruise control: lists each sensor by name", () => {
    const include = includeObjectNames(CRUISE_CONTROL_RULES) ?? [];
    expect(include).toContain("kafka.cruisecontrol:name=AnomalyDetector.balancedness-score,*");
    expect(include).toHaveLength(CRUISE_CONTROL_RULES.length);
  });
  it("reads every MBean when a pattern names no literal domain and type", () => {
    const rules = [
      ...KAFKA_RULES,
      { pattern: "kafka.(\\w+)<type=(.+)><>Value", name: "x", type: "GAUGE" as const, help: "x" },
    ];
    expect(includeObjectNames(rules)).toBeUndefined();
    expect(exporterConfig(rules)).not.toContain("includeObjectNames");
  });
});
