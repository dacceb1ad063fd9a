import type { Change, Plan } from "./planner.js";
import { redactValue } from "./secrets.js";

export interface PlanSummary {
  create: number;
  update: number;
  state: number;
  delete: number;
  noop: number;
  unmanaged: number;
}

export function summarize(plans: Plan[]): PlanSummary {
  const s: PlanSummary = { create: 0, update: 0, state: 0, delete: 0, noop: 0, unmanaged: 0 };
  for (const p of plans) for (const c of p.changes) s[c.kind]++;
  return s;
}

export function hasPending(s: PlanSummary): boolean {
  return s.create + s.update + s.state + s.delete > 0;
}

type Keys = (cls: string) => ReadonlySet<string>;

/** A change as JSON, secrets redacted (placeholders are kept: they are not secrets). */
export function changeJson(c: Change, passwordKeys: Keys) {
  const keys = c.desired ? passwordKeys(c.desired.connectorClass) : new Set<string>();
  return {
    kind: c.kind,
    cluster: c.cluster,
    name: c.name,
    ...(c.kind === "update" ? { restarts: true } : {}),
    ...(c.fromState !== undefined ? { fromState: c.fromState } : {}),
    ...(c.toState !== undefined ? { toState: c.toState } : {}),
    ...(c.note ? { note: c.note } : {}),
    ...(c.diff
      ? {
          diff: c.diff.map((d) => ({
            key: d.key,
            ...(d.before !== undefined ? { before: redactValue(d.key, d.before, keys) } : {}),
            ...(d.after !== undefined ? { after: redactValue(d.key, d.after, keys) } : {}),
          })),
        }
      : {}),
    ...(c.kind === "create" && c.desired
      ? {
          config: Object.fromEntries(
            Object.entries(c.desired.config).map(([k, v]) => [k, redactValue(k, v, keys) as string]),
          ),
        }
      : {}),
  };
}

const SIGN: Record<Change["kind"], string> = {
  create: "+",
  update: "~",
  state: ">",
  delete: "-",
  noop: "=",
  unmanaged: "?",
};

/** The human plan: one line per change, diffs indented, a summary line. Secrets redacted. */
export function formatPlan(
  plans: Array<{ plan: Plan; url?: string; version?: string }>,
  passwordKeys: Keys,
  opts: { verbose?: boolean; prune?: boolean } = {},
): string {
  const lines: string[] = [];
  for (const { plan, url, version } of plans) {
    lines.push(`cluster ${plan.cluster}${url ? ` (${url}${version ? `, Kafka ${version}` : ""})` : ""}`);
    for (const c of plan.changes) {
      if (c.kind === "noop" && !opts.verbose) continue;
      const j = changeJson(c, passwordKeys);
      let text = `  ${SIGN[c.kind]} ${c.kind.padEnd(9)} ${c.name}`;
      if (c.kind === "create") text += ` (${c.toState})`;
      if (c.kind === "update") text += " (restarts the connector)";
      if (c.toState && c.kind !== "create") text += ` ${c.fromState ?? "?"} → ${c.toState.toUpperCase()}`;
      if (c.kind === "delete" && !opts.prune) text += " (needs --prune)";
      if (c.note) text += `: ${c.note}`;
      lines.push(text);
      for (const d of j.diff ?? []) {
        const before = "before" in d ? JSON.stringify(d.before) : "(unset)";
        const after = "after" in d ? JSON.stringify(d.after) : "(unset)";
        lines.push(`      ${d.key}: ${before} → ${after}`);
      }
    }
  }
  const s = summarize(plans.map((p) => p.plan));
  lines.push(
    hasPending(s)
      ? `Plan: ${s.create} to create, ${s.update} to update, ${s.state} state change(s), ${s.delete} to delete; ${s.noop} unchanged.`
      : `No changes: ${s.noop} connector(s) up to date.`,
  );
  return lines.join("\n");
}
