import { describe, expect, it } from "vitest";
import { mapLimit } from "./concurrency.js";

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("mapLimit", () => {
  it("keeps at most `limit` in flight and returns results in order", async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([1, 2, 3, 4, 5, 6], 2, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await tick();
      inFlight--;
      return n * 10;
    });
    expect(out).toStrictEqual([10, 20, 30, 40, 50, 60]);
    expect(peak).toBe(2);
  });

  it("starts nothing after a failure, and rejects only when the calls in flight have settled", async () => {
    const started: number[] = [];
    let settled = 0;
    const run = mapLimit([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      await tick();
      settled++;
      if (n === 1) throw new Error("one failed");
      return n;
    });
    await expect(run).rejects.toThrow("one failed");
    expect(started).toStrictEqual([1, 2]);
    expect(settled).toBe(2);
  });

  it("starts the next item when a call gives its slot back, before that call ends", async () => {
    const events: string[] = [];
    const out = await mapLimit([1, 2, 3], 1, async (n, _i, release) => {
      events.push(`start ${n}`);
      await tick();
      release();
      release(); // twice is once
      await tick();
      events.push(`end ${n}`);
      return n;
    });
    expect(out).toStrictEqual([1, 2, 3]);
    expect(events).toStrictEqual(["start 1", "start 2", "end 1", "start 3", "end 2", "end 3"]);
  });

  it("maps an empty list to an empty list", async () => {
    expect(await mapLimit([], 4, async () => 1)).toStrictEqual([]);
  });
});
