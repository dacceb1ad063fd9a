import type { ConnectorPlugin } from "@kiln/schemas";
import { isScalar, parseDocument } from "yaml";

/**
 * An entry file with `after`'s version, artifacts and classes written into it: comments, key
 * order and quoting of everything else kept (a scalar keeps its quotes when its value changes).
 * Pure.
 */
export function applyEntryChanges(text: string, before: ConnectorPlugin, after: ConnectorPlugin): string {
  const doc = parseDocument(text);
  const set = (path: Array<string | number>, value: unknown) => {
    const node = doc.getIn(path, true);
    if (isScalar(node)) node.value = value;
    else doc.setIn(path, value);
  };
  set(["version"], after.version);
  after.artifacts.forEach((a, i) => {
    const old = before.artifacts[i] as Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(a)) {
      if (JSON.stringify(old?.[k]) !== JSON.stringify(v)) set(["artifacts", i, k], v);
    }
  });
  if (JSON.stringify(before.classes) !== JSON.stringify(after.classes)) doc.setIn(["classes"], after.classes);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
