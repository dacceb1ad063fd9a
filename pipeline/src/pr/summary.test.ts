import type { ConnectorPlugin } from "@kiln/schemas";
import { expect, test } from "vitest";
import { affectedImages, diffCatalog } from "./changes.js";
import { renderSummary } from "./summary.js";

const base: ConnectorPlugin = {
  apiVersion: "kiln.dev/v1",
  kind: "ConnectorPlugin",
  name: "pg",
  title: "PostgreSQL",
  type: "source",
  version: "3.0.0.Final",
  license: "Apache-2.0",
  kafka: ">=3.9.0",
  owners: ["team"],
  classes: [{ class: "io.x.Pg", type: "source" }],
  artifacts: [{ type: "jar", url: "https://x/pg.jar", sha512: "a".repeat(128) }],
};

test("diffCatalog: added, changed (with fields) and removed entries", () => {
  const changed = {
    ...base,
    version: "3.1.0.Final",
    artifacts: [{ type: "jar" as const, url: "https://x/pg-2.jar", sha512: "b".repeat(128) }],
  };
  const head = new Map([
    ["pg", { entry: changed, file: "catalog/connectors/pg.yaml" }],
    ["s3", { entry: { ...base, name: "s3" }, file: "catalog/connectors/s3.yaml" }],
  ]);
  const old = new Map([
    ["pg", base],
    ["gone", { ...base, name: "gone" }],
  ]);
  expect(diffCatalog(old, head)).toEqual([
    { name: "gone", change: "removed", fields: [] },
    { name: "pg", change: "changed", fields: ["artifacts", "version"], file: "catalog/connectors/pg.yaml" },
    { name: "s3", change: "added", fields: [], file: "catalog/connectors/s3.yaml" },
  ]);
  expect(
    diffCatalog(old.set("pg", changed), new Map([["pg", { entry: { ...changed }, file: "f" }]])),
  ).toEqual([{ name: "gone", change: "removed", fields: [] }]);
});

test("affectedImages: only Connect clusters that bake a touched plugin", () => {
  const clusters = [
    {
      file: "clusters/prod.yaml",
      name: "prod",
      connect: [
        { name: "cdc", plugins: ["pg", "jdbc"] },
        { name: "files", plugins: ["file"] },
      ],
    },
  ];
  expect(affectedImages([{ name: "pg", change: "changed", fields: ["version"] }], clusters)).toEqual([
    {
      clusterFile: "clusters/prod.yaml",
      cluster: "prod",
      connect: "cdc",
      plugins: ["pg"],
      allPlugins: ["pg", "jdbc"],
    },
  ]);
});

test("renderSummary: a table per entry, located problems, images", () => {
  const md = renderSummary({
    base: "0123456789abcdef",
    entries: [
      {
        change: { name: "pg", change: "changed", fields: ["version"] },
        checks: [
          { name: "validate", status: "pass" },
          { name: "resolve", status: "fail", detail: "sha512 mismatch | bad" },
        ],
      },
    ],
    diagnostics: [
      {
        severity: "error",
        code: "checksum",
        message: "sha512 mismatch",
        location: { file: "catalog/connectors/pg.yaml", line: 14, path: "artifacts[0].sha512" },
      },
    ],
    images: [
      {
        clusterFile: "c.yaml",
        cluster: "prod",
        connect: "cdc",
        plugins: ["pg"],
        allPlugins: ["pg"],
        digest: "sha256:abc",
      },
    ],
  });
  expect(md).toBe(`<!-- kiln-pr-summary -->
## kiln: catalog changes

**1 entry changed** against \`0123456789ab\` · ❌ problems found

| entry | change | validate | resolve |
|---|---|---|---|
| \`pg\` | changed (version) | ✅ | ❌ sha512 mismatch \\| bad |

### Problems

- ❌ \`catalog/connectors/pg.yaml:14\` \`artifacts[0].sha512\`: sha512 mismatch

### Images to rebuild

| cluster | connect | changed plugins | predicted digest |
|---|---|---|---|
| \`prod\` (c.yaml) | \`cdc\` | \`pg\` | \`sha256:abc\` |
`);
});
