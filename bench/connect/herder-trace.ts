import { readFile } from "node:fs/promises";

// What the workers saw of a client's creates, from their own logs: when each create arrived and
// was answered (Connect's request log prints the answer's time and the request's duration), and how
// many rebalances the herder ran meanwhile. Each tick of the leader's herder runs, one at a time,
// the requests queued before the tick began, then rebalances for the connectors it wrote: how a
// client spreads its requests decides how many ticks, and so rebalances, its creates take.

export interface HerderTrace {
  /** Client requests that created a connector (answered 201), not a worker's forwarded copy. */
  creates: number;
  /** Milliseconds from the first create's arrival until `wave` creates had arrived. */
  firstWaveMs: number;
  /** Milliseconds from the first create's arrival to the last answer. */
  spanMs: number;
  /** Rebalances started meanwhile, on the worker that saw the most. */
  rebalances: number;
}

const STAMP = /^\[(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d),(\d{3})\] /;
const REQUEST =
  /"(POST \/connectors|PUT \/connectors\/[^/ ]+\/config) HTTP\/[\d.]+" (\d{3}) .*"([^"]*)" (\d+) \(org\.apache\.kafka\.connect\.runtime\.rest\.RestServer\)$/;

const stampOf = (line: string): number | undefined => {
  const m = STAMP.exec(line);
  return m ? Date.parse(`${m[1]}T${m[2]}.${m[3]}Z`) : undefined;
};

/** The trace of the creates in `logFiles` (both workers of a client), `wave` being its concurrency. */
export async function herderTrace(logFiles: string[], wave: number): Promise<HerderTrace> {
  const arrivals: number[] = [];
  const answers: number[] = [];
  const rebalancesPerWorker: number[][] = [];
  for (const file of logFiles) {
    const starts: number[] = [];
    for (const line of (await readFile(file, "utf8")).split("\n")) {
      const at = stampOf(line);
      if (at === undefined) continue;
      if (line.includes("Rebalance started")) starts.push(at);
      const [, , status, agent, ms] = REQUEST.exec(line) ?? [];
      // Jetty's own client is a worker forwarding a request to the leader: not the client's.
      if (status !== "201" || agent?.startsWith("Jetty")) continue;
      arrivals.push(at - Number(ms));
      answers.push(at);
    }
    rebalancesPerWorker.push(starts);
  }
  if (arrivals.length === 0) throw new Error(`no creates in the request logs of ${logFiles.join(", ")}`);
  arrivals.sort((a, b) => a - b);
  const first = arrivals[0] as number;
  const last = Math.max(...answers);
  const within = (t: number) => t >= first && t <= last;
  return {
    creates: arrivals.length,
    firstWaveMs: (arrivals[Math.min(wave, arrivals.length) - 1] as number) - first,
    spanMs: last - first,
    rebalances: Math.max(...rebalancesPerWorker.map((s) => s.filter(within).length)),
  };
}
