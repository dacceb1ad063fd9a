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

/** Entry-level verdicts over its cells. Pure. */
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
  for (const v of claimed) {
    if (cells[v]?.status === "fail")
      errors.push(`kafka "${entry.kafka}" claims ${v}, which fails: ${cells[v]?.reasons.join("; ")}`);
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
