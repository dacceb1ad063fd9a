import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { progressReporter } from "./progress.js";

function sink(isTTY: boolean) {
  const s = Object.assign(
    new Writable({
      write(chunk, _enc, done) {
        s.text += String(chunk);
        done();
      },
    }),
    { text: "", isTTY },
  );
  return s;
}

describe("progressReporter", () => {
  it("prints plain lines in CI, nothing for cache hits", () => {
    const stderr = sink(true);
    const report = progressReporter({ stdout: sink(false), stderr, env: { CI: "true" } });
    report({ kind: "cached", label: "a.jar" });
    report({ kind: "start", label: "b.jar" });
    report({ kind: "progress", label: "b.jar", received: 10, total: 2 << 20 });
    report({ kind: "done", label: "b.jar", received: 2 << 20, total: 2 << 20 });
    expect(stderr.text).toBe("fetching b.jar\nfetched b.jar (2.0 MiB)\n");
  });

  it("redraws one bar line on a terminal, summing the downloads in flight", () => {
    const stderr = sink(true);
    const report = progressReporter({ stdout: sink(true), stderr, env: {} });
    report({ kind: "progress", label: "b.jar", received: 1 << 20, total: 2 << 20 });
    expect(stderr.text).toBe(`\r\x1b[2K[${"#".repeat(12)}${" ".repeat(12)}] 1.0 MiB/2.0 MiB  b.jar`);
    stderr.text = "";
    report({ kind: "start", label: "c.jar" });
    expect(stderr.text).toBe(`\r\x1b[2K1.0 MiB  2 downloads`);
    stderr.text = "";
    report({ kind: "done", label: "c.jar", received: 1 << 20, total: 1 << 20 });
    expect(stderr.text).toBe(
      `\r\x1b[2Kfetched c.jar (1.0 MiB)\n\r\x1b[2K[${"#".repeat(12)}${" ".repeat(12)}] 1.0 MiB/2.0 MiB  b.jar`,
    );
  });
});
