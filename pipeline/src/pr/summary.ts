import type { Diagnostic } from "@kiln/schemas";
import type { AffectedImage, EntryChange } from "./changes.js";

/** The hidden marker kiln finds its own PR comment by. */
export const COMMENT_MARKER = "<!-- kiln-pr-summary -->";

export interface PrCheck {
  /** Column name, e.g. "validate", "resolve", "inspect", "conformance". */
  name: string;
  status: "pass" | "fail" | "skip";
  detail?: string;
}

export interface PrEntryReport {
  change: EntryChange;
  checks: PrCheck[];
}

export interface PrReport {
  base: string;
  entries: PrEntryReport[];
  /** Every finding, located, for the problems list and check-run annotations. */
  diagnostics: Diagnostic[];
  images: Array<AffectedImage & { digest?: string; note?: string }>;
  /** Extra markdown sections (e.g. a conformance matrix), appended as they are. */
  sections?: string[];
  /** Whether conformance ran on real Connect workers (`kiln pr --conformance`). */
  conformance?: "ran" | "not requested" | "nothing to run";
  /** Files checked from the work tree that are not committed. */
  uncommitted?: string[];
}

export function reportFailed(report: PrReport): boolean {
  return (
    report.diagnostics.some((d) => d.severity === "error") ||
    report.entries.some((e) => e.checks.some((c) => c.status === "fail"))
  );
}

const ICON = { pass: "✅", fail: "❌", skip: "➖" } as const;

// Table cells cannot hold pipes or newlines.
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** Renders the PR summary as GitHub-flavoured markdown. Pure and deterministic. */
export function renderSummary(report: PrReport): string {
  const failed = reportFailed(report);
  const lines = [COMMENT_MARKER, "## kiln: catalog changes", ""];
  if (report.entries.length === 0) {
    lines.push(`No catalog entries changed against \`${report.base.slice(0, 12)}\`.`);
  } else {
    const n = report.entries.length;
    const conformance =
      report.conformance === "not requested"
        ? " · conformance not run (`kiln pr --conformance` runs it on real Connect workers)"
        : report.conformance === "nothing to run"
          ? " · conformance not run (no changed entry resolved)"
          : "";
    lines.push(
      `**${n} entr${n === 1 ? "y" : "ies"} changed** against \`${report.base.slice(0, 12)}\` · ${failed ? "❌ problems found" : "✅ all checks passed"}${conformance}`,
      "",
    );
    const columns = [...new Set(report.entries.flatMap((e) => e.checks.map((c) => c.name)))];
    lines.push(
      `| entry | change | ${columns.join(" | ")} |`,
      `|---|---|${columns.map(() => "---").join("|")}|`,
    );
    for (const e of report.entries) {
      const what =
        e.change.change === "changed" ? `changed (${e.change.fields.join(", ")})` : e.change.change;
      const cells = columns.map((name) => {
        const c = e.checks.find((x) => x.name === name);
        return c ? cell(`${ICON[c.status]}${c.detail ? ` ${c.detail}` : ""}`) : "";
      });
      lines.push(`| \`${e.change.name}\` | ${what} | ${cells.join(" | ")} |`);
    }
  }
  if (report.uncommitted?.length) {
    lines.push(
      "",
      `⚠️ Not committed (checked from the work tree; CI sees only commits): ${report.uncommitted.map((f) => `\`${f}\``).join(", ")}`,
    );
  }
  const problems = report.diagnostics;
  if (problems.length > 0) {
    lines.push("", "### Problems", "");
    for (const d of problems) {
      const where = `${d.location.file ?? ""}${d.location.line ? `:${d.location.line}` : ""}`;
      lines.push(
        `- ${d.severity === "error" ? "❌" : "⚠️"} \`${where}\`${d.location.path ? ` \`${d.location.path}\`` : ""}: ${d.message}`,
      );
    }
  }
  if (report.images.length > 0) {
    lines.push(
      "",
      "### Images to rebuild",
      "",
      "| cluster | connect | changed plugins | predicted digest |",
      "|---|---|---|---|",
    );
    for (const i of report.images) {
      lines.push(
        `| \`${i.cluster}\` (${i.clusterFile}) | \`${i.connect}\` | ${i.plugins.map((p) => `\`${p}\``).join(", ")} | ${i.digest ? `\`${i.digest}\`` : `— ${i.note ?? ""}`.trim()} |`,
      );
    }
  }
  for (const s of report.sections ?? []) lines.push("", s.trimEnd());
  return `${lines.join("\n")}\n`;
}
