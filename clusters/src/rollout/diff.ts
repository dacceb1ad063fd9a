import { stringify } from "yaml";
import { describe, type KubeObject, normalizeForDiff, redactSecret } from "./objects.js";

/** A line diff in unified format with `context` lines around each change; empty when equal. */
export function unifiedDiff(before: string, after: string, labels: [string, string], context = 3): string {
  const a = before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const b = after === "" ? [] : after.replace(/\n$/, "").split("\n");
  // Longest common subsequence table; manifests are small.
  const n = a.length;
  const m = b.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      (lcs[i] as Uint32Array)[j] =
        a[i] === b[j]
          ? ((lcs[i + 1] as Uint32Array)[j + 1] as number) + 1
          : Math.max((lcs[i + 1] as Uint32Array)[j] as number, (lcs[i] as Uint32Array)[j + 1] as number);
  const ops: Array<{ t: " " | "-" | "+"; line: string; ai: number; bi: number }> = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ t: " ", line: a[i] as string, ai: i++, bi: j++ });
    } else if (
      i < n &&
      (j >= m || ((lcs[i + 1] as Uint32Array)[j] as number) >= ((lcs[i] as Uint32Array)[j + 1] as number))
    ) {
      ops.push({ t: "-", line: a[i] as string, ai: i++, bi: j });
    } else {
      ops.push({ t: "+", line: b[j] as string, ai: i, bi: j++ });
    }
  }
  if (!ops.some((o) => o.t !== " ")) return "";
  const out = [`--- ${labels[0]}`, `+++ ${labels[1]}`];
  let k = 0;
  while (k < ops.length) {
    if ((ops[k] as (typeof ops)[number]).t === " ") {
      k++;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` lines after the last nearby change.
    const start = Math.max(0, k - context);
    let end = k;
    while (end < ops.length) {
      let next = end;
      while (next < ops.length && (ops[next] as (typeof ops)[number]).t !== " ") next++;
      let gap = next;
      while (gap < ops.length && (ops[gap] as (typeof ops)[number]).t === " ") gap++;
      if (gap < ops.length && gap - next <= context * 2) end = gap;
      else {
        end = Math.min(ops.length, next + context);
        break;
      }
    }
    const hunk = ops.slice(start, end);
    const first = hunk[0] as (typeof ops)[number];
    const aLen = hunk.filter((o) => o.t !== "+").length;
    const bLen = hunk.filter((o) => o.t !== "-").length;
    out.push(`@@ -${aLen ? first.ai + 1 : first.ai},${aLen} +${bLen ? first.bi + 1 : first.bi},${bLen} @@`);
    for (const o of hunk) out.push(`${o.t}${o.line}`);
    k = end;
  }
  return `${out.join("\n")}\n`;
}

export interface ObjectDiff {
  object: string;
  change: "create" | "update" | "unchanged" | "prune";
  diff: string;
  /** Set for Secrets: kiln never reads Secret values, so they are not compared. */
  note?: string;
}

/** A Secret's values are left out of comparisons entirely: kiln reads Secrets by metadata only. */
function withoutValues(o: KubeObject | undefined): KubeObject | undefined {
  if (o?.kind !== "Secret" || o.apiVersion !== "v1") return o;
  const { data, stringData, ...rest } = o;
  return rest as KubeObject;
}

/**
 * Live versus rendered for one object, as kubectl diff shows it: the rendered
 * side is what the API server would store (a server-side dry run), both
 * without status and server-owned metadata. Secret values are never shown or
 * compared (the live side is read as metadata only).
 */
export function diffObject(live: KubeObject | undefined, rendered: KubeObject | undefined): ObjectDiff {
  const subject = (rendered ?? live) as KubeObject;
  const isSecret = subject.kind === "Secret" && subject.apiVersion === "v1";
  const before = withoutValues(live && normalizeForDiff(live));
  const after = withoutValues(rendered && normalizeForDiff(rendered));
  if (isSecret && before && after && after.type === undefined) delete before.type;
  if (isSecret && before && after && before.type === undefined) delete after.type;
  const text = (o: KubeObject | undefined) => (o ? stringify(redactSecret(o), { sortMapEntries: true }) : "");
  const diff = unifiedDiff(text(before), text(after), [
    `live/${describe(subject)}`,
    `rendered/${describe(subject)}`,
  ]);
  const change = !live ? "create" : !rendered ? "prune" : diff === "" ? "unchanged" : "update";
  return {
    object: describe(subject),
    change,
    diff,
    ...(isSecret ? { note: "Secret values are never read or compared; only metadata is diffed" } : {}),
  };
}
