import { describe, expect, it } from "vitest";
import type { KubeObject } from "./objects.js";
import { hasReadiness, readinessOf } from "./readiness.js";

const kafka = (generation: number, status?: Record<string, unknown>): KubeObject => ({
  apiVersion: "kafka.strimzi.io/v1",
  kind: "Kafka",
  metadata: { name: "k", generation },
  ...(status ? { status } : {}),
});
const cond = (type: string, status: string, reason?: string, message?: string) => ({
  type,
  status,
  reason,
  message,
});

describe("readinessOf", () => {
  it.each([
    [
      "no status yet",
      kafka(1),
      { state: "pending", detail: "the operator has not reconciled it yet (generation 1)" },
    ],
    [
      "an older generation observed",
      kafka(3, { observedGeneration: 2, conditions: [cond("Ready", "True")] }),
      { state: "pending", detail: "the operator has observed generation 2, not 3 yet" },
    ],
    [
      "Ready for this generation",
      kafka(2, { observedGeneration: 2, conditions: [cond("Ready", "True")] }),
      { state: "ready" },
    ],
    [
      "NotReady with the operator's message",
      kafka(1, {
        observedGeneration: 1,
        conditions: [cond("NotReady", "True", "InvalidConfig", "bad listener")],
      }),
      { state: "not-ready", condition: cond("NotReady", "True", "InvalidConfig", "bad listener") },
    ],
    [
      "Ready=False",
      kafka(1, { observedGeneration: 1, conditions: [cond("Ready", "False", "Creating")] }),
      { state: "not-ready", condition: cond("Ready", "False", "Creating") },
    ],
    [
      "observed but no condition",
      kafka(1, { observedGeneration: 1 }),
      { state: "pending", detail: "no Ready condition yet" },
    ],
  ] as const)("%s", (_, o, expected) => {
    expect(readinessOf(o)).toEqual({ ...expected, warnings: [] });
  });

  it("counts a paused resource as done, with the pause as a warning", () => {
    const paused = cond("ReconciliationPaused", "True");
    expect(readinessOf(kafka(2, { observedGeneration: 2, conditions: [paused] }))).toEqual({
      state: "ready",
      warnings: [paused],
    });
  });

  it("carries Warning conditions along", () => {
    const w = cond("Warning", "True", "DeprecatedFields", "spec.x is deprecated");
    expect(
      readinessOf(kafka(1, { observedGeneration: 1, conditions: [cond("Ready", "True"), w] })).warnings,
    ).toEqual([w]);
  });

  it.each([
    ["Kafka", "kafka.strimzi.io/v1", true],
    ["KafkaConnect", "kafka.strimzi.io/v1", true],
    ["KafkaNodePool", "kafka.strimzi.io/v1", false],
    ["ConfigMap", "v1", false],
    ["PodMonitor", "monitoring.coreos.com/v1", false],
  ])("waits for %s: %s", (kind, apiVersion, waited) => {
    expect(hasReadiness({ kind, apiVersion: apiVersion as string })).toBe(waited);
  });
});
