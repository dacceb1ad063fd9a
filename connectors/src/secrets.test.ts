import { describe, expect, it } from "vitest";
import {
  describeFinding,
  findLiteralSecrets,
  isPlaceholderOnly,
  looksLikeSecretKey,
  redactConfig,
  redactValue,
} from "./secrets.js";

describe("secret detection", () => {
  it.each([
    ["database.password", true],
    ["connection.password", true],
    ["aws.secret.access.key", true],
    ["sasl.jaas.config", true],
    ["api.key", true],
    ["auth.token", true],
    ["ssl.key.password", true],
    ["key.converter", false],
    ["key.converter.schemas.enable", false],
    ["sasl.oauthbearer.token.endpoint.url", false],
    ["ssl.truststore.location", false],
    ["topics", false],
    ["transforms.route.type", false],
    ["message.key.columns", false],
  ])("%s looks like a secret: %s", (key, yes) => {
    expect(looksLikeSecretKey(key)).toBe(yes);
  });

  it("accepts placeholders and empty values, rejects literals, never echoes values", () => {
    const findings = findLiteralSecrets(
      {
        "database.password": "hunter2",
        "database.user": "app",
        "connection.password": "${file:/etc/secrets/db.properties:password}",
        "api.key": "${env:API_KEY}",
        "secret.thing": "",
        "my.custom.field": "literal",
      },
      new Set(["my.custom.field"]),
      { file: "c.yaml" },
    );
    expect(findings).toStrictEqual([
      {
        key: "database.password",
        reason: "secret-name",
        location: { file: "c.yaml", path: "config.database.password" },
      },
      {
        key: "my.custom.field",
        reason: "password-type",
        location: { file: "c.yaml", path: "config.my.custom.field" },
      },
    ]);
    expect(JSON.stringify(findings)).not.toContain("hunter2");
  });

  it("redacts secrets but keeps placeholders and ordinary values", () => {
    expect(
      redactConfig(
        { "database.password": "hunter2", "db.password": "${secrets:ns/db:pw}", topics: "a", pw: "x" },
        new Set(["pw"]),
      ),
    ).toStrictEqual({
      "database.password": "(redacted)",
      "db.password": "${secrets:ns/db:pw}",
      topics: "a",
      pw: "(redacted)",
    });
    expect(redactValue("sasl.jaas.config", 'x password="${file:/a:b}";', new Set())).toBe("(redacted)");
    expect(isPlaceholderOnly("${directory:/mnt/secrets:pw}")).toBe(true);
    expect(isPlaceholderOnly("pre ${env:X}")).toBe(false);
  });
});

describe("literal secrets: any value not entirely a placeholder, credentials in URLs under any key", () => {
  it("a placeholder inside a literal is a literal", () => {
    const findings = findLiteralSecrets({ "db.password": "S3CR3T${env:X}" }, new Set());
    expect(findings.map((f) => [f.key, f.reason])).toStrictEqual([["db.password", "secret-name"]]);
  });

  it("a password inside connection.url, or a JDBC password parameter, whatever the key", () => {
    const findings = findLiteralSecrets(
      {
        "connection.url": "jdbc:postgresql://app:S3CR3T@db:5432/orders",
        "jdbc.url": "jdbc:sqlserver://db;user=sa;password=S3CR3T",
        "mongodb.connection.string": "mongodb://app:${file:/s/m.properties:pw}@mongo/",
        topics: "orders",
      },
      new Set(),
      { file: "c.yaml" },
    );
    expect(findings.map((f) => [f.key, f.reason])).toStrictEqual([
      ["connection.url", "url-credentials"],
      ["jdbc.url", "url-credentials"],
    ]);
    expect(describeFinding(findings[0] as never)).not.toContain("S3CR3T");
  });

  it("plans show URLs with their credentials masked", () => {
    expect(redactValue("connection.url", "jdbc:postgresql://app:S3CR3T@db/orders", new Set())).toBe(
      "jdbc:postgresql://app:***@db/orders",
    );
  });
});
