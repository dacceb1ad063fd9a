import { describe, expect, test } from "vitest";
import { SpecError } from "./errors.js";
import { KINDS, type Kind, schemaDocument, schemaFile } from "./kinds.js";
import { loadSpec } from "./validate.js";

const minimalConnector = `apiVersion: kiln.dev/v1
kind: Connector
name: orders-sink
connectCluster: cdc
plugin: { name: debezium-jdbc }
config:
  topics: orders
  connection.password: \${file:/opt/kafka/external-configuration/db/creds.properties:password}
`;

function messages(text: string, kind?: Kind) {
  try {
    loadSpec(text, "f.yaml", kind);
    return [];
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    return err.diagnostics.map((d) => `${d.location.line}:${d.location.column} ${d.message}`);
  }
}

describe("loadSpec", () => {
  test("dispatches on kind and returns the typed value", () => {
    const spec = loadSpec(minimalConnector, "c.yaml");
    expect(spec.kind).toBe("Connector");
    expect(spec.value).toMatchObject({ name: "orders-sink", plugin: { name: "debezium-jdbc" } });
  });

  test("an expected kind overrides the document's own", () => {
    expect(messages(minimalConnector, "ConnectorPlugin")).toContain(
      '2:7 `kind` must be "ConnectorPlugin", not "Connector"',
    );
  });

  test("unknown kinds are named", () => {
    expect(messages("apiVersion: kiln.dev/v1\nkind: Widget\n")).toEqual([
      `2:7 unknown kind "Widget"; it must be one of ${Object.keys(KINDS).join(", ")}`,
    ]);
  });

  test("reports every finding, in file order", () => {
    const text = minimalConnector
      .replace("orders-sink", "bad name!")
      .replace("name: debezium-jdbc", "name: x, extra: 1");
    expect(messages(text)).toEqual([
      '3:7 `name` must match the pattern ^[A-Za-z0-9][A-Za-z0-9._-]{0,248}$, not "bad name!"',
      "5:20 unknown field `plugin.extra`",
    ]);
  });
});

describe("schema files", () => {
  test.each(Object.keys(KINDS) as Kind[])("%s has a stable $id and draft 2020-12", (kind) => {
    const doc = schemaDocument(kind);
    expect(doc.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(doc.$id).toBe(`https://kiln.dev/schemas/v1/${KINDS[kind]}`);
    expect(schemaFile(kind)).toMatch(new RegExp(`schemas/json/${KINDS[kind]}$`));
  });
});
