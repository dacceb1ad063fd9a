import { describe, expect, it } from "vitest";
import { startDeadline } from "./deadline.js";

describe("startDeadline", () => {
  it("lets any number of requests listen to its signal without Node's leak warning", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    const d = startDeadline(60_000);
    try {
      for (let i = 0; i < 50; i++) d.signal.addEventListener("abort", () => {});
      await new Promise((r) => setImmediate(r));
      expect(warnings.map((w) => w.name)).not.toContain("MaxListenersExceededWarning");
    } finally {
      d.dispose();
      process.off("warning", onWarning);
    }
  });
});
