// Every Grafana dashboard kiln renders, against the dashboard schema of the Grafana Foundation
// SDK (github.com/grafana/grafana-foundation-sdk/go, Apache-2.0): strict decoding (unknown
// fields are errors, panels decoded by their plugin's types) and the schema's validation.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConfigMap } from "@kiln/clusters";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleFiles, loadExample } from "../../../clusters/src/testing/examples.js";
import { checkersDir, runChecker } from "../harness/checkers.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kiln-grafana-"));
  await checkersDir();
}, 30 * 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function dashboards(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { object } of loadExample(file).result.items)
    if (object.kind === "ConfigMap" && object.metadata.labels?.grafana_dashboard === "1")
      Object.assign(out, (object as ConfigMap).data);
  return out;
}

async function check(name: string, json: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, json);
  return runChecker("dashboard", [path]).then(
    () => "ok",
    (err: { stderr?: string }) => (err.stderr ?? "").replace(`${path}: `, "").trim(),
  );
}

describe("rendered Grafana dashboards against the Grafana Foundation SDK's dashboard schema", () => {
  it.each(exampleFiles())("%s: every dashboard decodes strictly and validates", async (file) => {
    const found = dashboards(file);
    expect(Object.keys(found).length).toBeGreaterThanOrEqual(3);
    const results: Record<string, string> = {};
    for (const [name, json] of Object.entries(found)) results[name] = await check(name, json);
    expect(results).toStrictEqual(Object.fromEntries(Object.keys(found).map((n) => [n, "ok"])));
  });

  it("the schema check refuses a dashboard with an unknown panel field or without its annotations", async () => {
    const [name, json] = Object.entries(dashboards("three-zone/cluster.yaml"))[0] ?? ["", "{}"];
    const d = JSON.parse(json) as { panels: Record<string, unknown>[]; annotations?: unknown };
    (d.panels[0] as Record<string, unknown>).colour = "red";
    expect(await check(`bad-${name}`, JSON.stringify(d))).toBe("panels[0].Panel: unexpected field 'colour'");
    delete d.annotations;
    (d.panels[0] as Record<string, unknown>).colour = undefined;
    expect(await check(`bad2-${name}`, JSON.stringify(d))).toBe(
      "annotations: required field is missing from input",
    );
  });
});
