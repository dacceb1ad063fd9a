import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { inventoryOf, progressLines } from "./rollout-common.js";

const obj = (kind: string, name: string, labels?: Record<string, string>) => ({
  apiVersion: "kafka.strimzi.io/v1",
  kind,
  metadata: { name, ...(labels ? { labels } : {}) },
});

describe("inventoryOf", () => {
  it.each([
    ["--inventory wins", [obj("Kafka", "k")], "given", "given"],
    [
      "the label all objects carry",
      [
        obj("Kafka", "k", { "kiln.dev/inventory": "orders" }),
        obj("KafkaUser", "u", { "kiln.dev/inventory": "orders" }),
      ],
      undefined,
      "orders",
    ],
    ["the one Kafka's name", [obj("Kafka", "k"), obj("KafkaUser", "u")], undefined, "k"],
  ] as const)("%s", (_, objects, given, expected) => {
    expect(inventoryOf([...objects], given)).toBe(expected);
  });

  it.each([
    ["two Kafkas and no label", [obj("Kafka", "a"), obj("Kafka", "b")], undefined, /pass --inventory/],
    ["an invalid name", [obj("Kafka", "k")], "not valid!", /not a valid label value/],
  ] as const)("refuses %s", (_, objects, given, message) => {
    expect(() => inventoryOf([...objects], given)).toThrowError(message);
  });
});

describe("progressLines", () => {
  const capture = (isTTY: boolean, env: NodeJS.ProcessEnv = {}) => {
    const stderr = Object.assign(new PassThrough(), { isTTY });
    const chunks: string[] = [];
    stderr.on("data", (c) => chunks.push(String(c)));
    const report = progressLines({ stdout: new PassThrough(), stderr, env });
    return { report, text: () => chunks.join("") };
  };

  it("prints plain lines when not on a terminal", () => {
    const { report, text } = capture(false);
    report({ phase: "apply", object: "Kafka k", message: "Kafka k created" });
    report({ phase: "wait", object: "Kafka k", message: "Kafka k: Ready" });
    expect(text()).toBe("apply: Kafka k created\nwait: Kafka k: Ready\n");
  });

  it("redraws one status line while waiting on a terminal, and plain lines under CI", () => {
    const tty = capture(true);
    tty.report({ phase: "wait", object: "Kafka k", message: "Kafka k: waiting: no Ready condition yet" });
    tty.report({ phase: "wait", object: "KafkaUser u", message: "KafkaUser u: Ready" });
    tty.report({ phase: "warning", message: "careful" });
    expect(tty.text()).toBe(
      "\r\x1b[2K[                    ] 0/1 ready  Kafka k: waiting: no Ready condition yet" +
        "\r\x1b[2K[##########          ] 1/2 ready  KafkaUser u: Ready" +
        "\r\x1b[2Kwarning: careful\n",
    );
    const ci = capture(true, { CI: "true" });
    ci.report({ phase: "wait", object: "Kafka k", message: "Kafka k: Ready" });
    expect(ci.text()).toBe("wait: Kafka k: Ready\n");
  });
});
