import type { ConnectorPlugin } from "@kiln/schemas";
import semver from "semver";
import type { Cell } from "./evaluate.js";

export interface MatrixRow {
  entry: string;
  version: string;
  kafka: string;
  /** Keyed by tested Kafka version; absent where the entry does not claim that version. */
  cells: Record<string, Cell>;
  /** Whether every jar of the plugin can be found with `plugin.discovery=service_load` (KIP-898). */
  serviceLoad: boolean | undefined;
}

export interface Matrix {
  kafkaVersions: string[];
  rows: MatrixRow[];
  /** Entry-level errors: a claimed version that fails, or a claim beyond the tested lines. */
  errors: Array<{ entry: string; message: string }>;
}

const minor = (v: string) => `${semver.major(v)}.${semver.minor(v)}`;

/**
 * The Kafka range an entry may claim: exactly the tested minor lines. A claim
 * outside them is untested, so it is an error, like a failing one.
 */
export function testedRange(kafkaVersions: string[]): string {
  const sorted = [...kafkaVersions].sort(semver.compare);
  const lo = sorted[0] as string;
  const hi = sorted[sorted.length - 1] as string;
  return `>=${minor(lo)}.0 <${semver.major(hi)}.${semver.minor(hi) + 1}.0`;
}

/** The Kafka lines of `versions` as a range: `>=4.3.0 <4.4.0`, runs of lines joined with `||`. */
export function rangeOfLines(versions: readonly string[]): string {
  const lines = [...new Set(versions.map(minor))]
    .map((l) => l.split(".").map(Number) as [number, number])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const runs: Array<[[number, number], [number, number]]> = [];
  for (const l of lines) {
    const last = runs.at(-1);
    if (last && last[1][0] === l[0] && last[1][1] + 1 === l[1]) last[1] = l;
    else runs.push([l, l]);
  }
  return runs.map(([lo, hi]) => `>=${lo[0]}.${lo[1]}.0 <${hi[0]}.${hi[1] + 1}.0`).join(" || ");
}

/** Entry-level verdicts over its cells, with what to do about a failing claim. Pure. */
export function matrixErrors(
  entry: ConnectorPlugin,
  cells: Record<string, Cell>,
  kafkaVersions: string[],
): string[] {
  const errors: string[] = [];
  const tested = testedRange(kafkaVersions);
  const claimed = kafkaVersions.filter((v) => semver.satisfies(v, entry.kafka));
  if (claimed.length === 0)
    errors.push(`kafka "${entry.kafka}" claims none of the tested versions (${kafkaVersions.join(", ")})`);
  if (!semver.subset(entry.kafka, tested)) {
    errors.push(
      `kafka "${entry.kafka}" claims versions conformance does not test; narrow it to within "${tested}"`,
    );
  }
  const failing = claimed.filter((v) => cells[v]?.status === "fail");
  for (const v of failing)
    errors.push(`kafka "${entry.kafka}" claims ${v}, which fails: ${cells[v]?.reasons.join("; ")}`);
  const passing = claimed.filter((v) => cells[v] !== undefined && cells[v]?.status !== "fail");
  if (failing.length > 0 && passing.length > 0) {
    errors.push(
      `it passes on ${passing.join(", ")} only: fix the failure above, or narrow kafka to "${rangeOfLines(passing)}" (the lines it passes on)`,
    );
  } else if (failing.length > 0 && failing.length === claimed.length) {
    errors.push(
      "no Kafka line it claims passes: fix the cause above (pin a release of the plugin built for these Kafka lines, or `exclude` the bundled jars that break it), or keep the entry out of the catalog until a release works",
    );
  }
  return errors;
}

const ICON = { pass: "✅ pass", fail: "❌ fail", "expected-fail": "⚠️ expected-fail" } as const;
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The compatibility matrix as markdown: entry × Kafka version. Pure and deterministic. */
export function matrixMarkdown(m: Matrix): string {
  const lines = [
    `| entry | version | kafka | ${m.kafkaVersions.join(" | ")} | service_load |`,
    `|---|---|---|${m.kafkaVersions.map(() => "---").join("|")}|---|`,
  ];
  for (const r of m.rows) {
    const cells = m.kafkaVersions.map((v) => {
      const c = r.cells[v];
      if (!c) return "— not claimed";
      return cell(`${ICON[c.status]}${c.reasons.length ? ` (${c.reasons.join("; ")})` : ""}`);
    });
    const sl = r.serviceLoad === undefined ? "—" : r.serviceLoad ? "✅" : "needs scanning";
    lines.push(`| \`${r.entry}\` | ${r.version} | \`${r.kafka}\` | ${cells.join(" | ")} | ${sl} |`);
  }
  if (m.errors.length > 0) {
    lines.push("", "**Errors**", "", ...m.errors.map((e) => `- \`${e.entry}\`: ${e.message}`));
  }
  return `${lines.join("\n")}\n`;
}
