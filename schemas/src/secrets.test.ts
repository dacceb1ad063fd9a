import { describe, expect, it } from "vitest";
import { KilnError } from "./errors.js";
import { findUrlCredentials, isPlaceholderOnly, redactText, redactUrl } from "./secrets.js";
import { loadSpec } from "./validate.js";

describe("placeholders", () => {
  it.each([
    ["${file:/etc/kiln/db.properties:password}", true],
    ["  ${env:DB_PASSWORD} ", true],
    ["${secrets:ns/db:password}", true],
    ["S3CR3T${env:X}", false],
    ["${env:X}S3CR3T", false],
    ["${env:X}${env:Y}", false],
    ["hunter2", false],
    ["", false],
  ])("%s is entirely a placeholder: %s", (value, yes) => expect(isPlaceholderOnly(value)).toBe(yes));
});

describe("credentials inside URLs", () => {
  it.each([
    ["jdbc:postgresql://app:hunter2@db:5432/orders", "jdbc:postgresql://app:***@db:5432/orders"],
    [
      "mongodb://root:hunter2@mongo-0,mongo-1/?replicaSet=rs",
      "mongodb://root:***@mongo-0,mongo-1/?replicaSet=rs",
    ],
    ["https://u:hunter2@issuer.example.com/realms/kafka", "https://u:***@issuer.example.com/realms/kafka"],
    [
      "jdbc:postgresql://db/orders?user=app&password=hunter2&ssl=true",
      "jdbc:postgresql://db/orders?user=app&password=***&ssl=true",
    ],
    [
      "jdbc:sqlserver://db:1433;databaseName=x;user=sa;password=hunter2",
      "jdbc:sqlserver://db:1433;databaseName=x;user=sa;password=***",
    ],
    ["jdbc:oracle:thin:scott/hunter2@db:1521/orcl", "jdbc:oracle:thin:scott/***@db:1521/orcl"],
    [
      "https://store.example.com/a.jar?sig=hunter2&se=2030",
      "https://store.example.com/a.jar?sig=***&se=2030",
    ],
  ])("%s", (text, redacted) => {
    expect(findUrlCredentials(text)).toHaveLength(1);
    expect(redactText(text)).toBe(redacted);
    expect(redactText(`error at ${text} (refused)`)).toBe(`error at ${redacted} (refused)`);
  });

  it.each([
    "jdbc:postgresql://db:5432/orders",
    "https://app@db.example.com/",
    "jdbc:postgresql://app:${file:/s/db.properties:password}@db/orders",
    "jdbc:postgresql://db/orders?user=app&password=${env:DB_PASSWORD}",
    "${secrets:ns/name:key}",
    "password=hunter2 (not a URL)",
    "host:1234/path@x",
  ])("no credential in %s", (text) => expect(findUrlCredentials(text)).toStrictEqual([]));

  it("every KilnError message and URL location is redacted, whoever wrote it", () => {
    const err = new KilnError("cannot reach https://u:hunter2@h.example.com/x", {
      location: { url: "https://u:hunter2@h.example.com/x" },
    });
    expect(err.message).not.toContain("hunter2");
    expect(err.userMessage).not.toContain("hunter2");
    expect(redactUrl("https://u:hunter2@h.example.com/x?token=t0k&page=2")).toBe(
      "https://***@h.example.com/x?token=***&page=2",
    );
  });

  it.each([
    [
      "a registry upload session",
      "https://r.example.com/v2/a/blobs/uploads/1?_state=S&digest=sha256:ab",
      "https://r.example.com/v2/a/blobs/uploads/1?_state=***&digest=sha256%3Aab",
    ],
    [
      "a signed download",
      "https://s3.example.com/f.tgz?X-Amz-Signature=S&X-Amz-Credential=C&X-Amz-Expires=300",
      "https://s3.example.com/f.tgz?X-Amz-Signature=***&X-Amz-Credential=***&X-Amz-Expires=300",
    ],
    [
      "an API key",
      "https://api.example.com/v1?api_key=K&key=K2",
      "https://api.example.com/v1?api_key=***&key=***",
    ],
    ["a server without a path, as given", "https://u:p@127.0.0.1:6443", "https://***@127.0.0.1:6443"],
    ["a server with a path, as given", "http://127.0.0.1:8083/", "http://127.0.0.1:8083/"],
    ["no URL", "not a url", "not a url"],
  ])("one policy for every URL kiln prints: %s", (_what, url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
    // What redactUrl hides, the credential finder finds.
    if (url !== redacted && !url.includes("@")) expect(findUrlCredentials(url)).not.toStrictEqual([]);
  });
});

describe("documents", () => {
  const connector = (config: string) => `apiVersion: kiln.dev/v1
kind: Connector
name: orders
connectCluster: c
plugin: { name: p, class: io.example.Sink }
config:
${config}`;

  it("refuse a credential written into a URL, wherever it is, without echoing it", () => {
    const run = () =>
      loadSpec(connector("  connection.url: jdbc:postgresql://app:hunter2@db/orders\n"), "c.yaml");
    expect(run).toThrow(/c\.yaml/);
    try {
      run();
    } catch (err) {
      const [d] = (err as { diagnostics: Array<{ message: string; location: unknown; code: string }> })
        .diagnostics;
      expect(d?.code).toBe("url-credentials");
      expect(d?.location).toStrictEqual({
        file: "c.yaml",
        line: 7,
        column: 19,
        path: 'config["connection.url"]',
      });
      expect(d?.message).toContain("jdbc:postgresql://app:***@db/orders");
      expect(d?.message).not.toContain("hunter2");
    }
  });

  it("never quote the value of a secret-looking key in a schema error", () => {
    const text = connector("  database.password: [hunter2]\n");
    expect(() => loadSpec(text, "c.yaml")).toThrow(
      /must be a string or a number or true or false, not a list/,
    );
    const target = `apiVersion: kiln.dev/v1
kind: ConnectTarget
name: c
urls: [https://admin:hunter2@connect:8083]
`;
    try {
      loadSpec(target, "t.yaml");
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain("an http(s) URL without credentials");
      expect(JSON.stringify((err as { diagnostics: unknown }).diagnostics)).not.toContain("hunter2");
    }
  });

  it("read a byte-order mark at the start, and point at one anywhere else", () => {
    expect(loadSpec(`\uFEFF${connector("  topics: a\n")}`, "c.yaml").value).toMatchObject({ name: "orders" });
    expect(() => loadSpec(connector("  topics: a\n\uFEFF  more: b\n"), "c.yaml")).toThrow(
      /invisible U\+FEFF byte-order mark at line 8, column 1/,
    );
  });
});
