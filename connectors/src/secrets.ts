import {
  type Connector,
  type Diagnostic,
  findUrlCredentials,
  formatPath,
  isPlaceholderOnly,
  type Location,
  looksLikeSecretKey,
  redactText,
  type SourceDocument,
} from "@kiln/schemas";

export { isPlaceholderOnly, looksLikeSecretKey };

export interface SecretFinding {
  key: string;
  reason: "password-type" | "secret-name" | "url-credentials";
  location: Location;
}

/**
 * Keys that hold a literal where a secret belongs. A key the plugin declares as PASSWORD, or
 * whose name looks like a secret, must be empty or entirely one config-provider placeholder
 * (`${file:…}`, `${env:…}`, `${secrets:…}`, `${directory:…}`): `S3CR3T${env:X}` is a literal.
 * Any value that writes a credential into a URL (`jdbc:…//user:password@`, `?password=`) is
 * one too, whatever its key. Values never appear in findings. Pure.
 */
export function findLiteralSecrets(
  config: Record<string, string>,
  passwordKeys: ReadonlySet<string>,
  location: Location = {},
): SecretFinding[] {
  const out: SecretFinding[] = [];
  for (const [key, value] of Object.entries(config).sort(([a], [b]) => a.localeCompare(b))) {
    const at = { ...location, path: `config.${key}` };
    if (findUrlCredentials(value).length > 0) {
      out.push({ key, reason: "url-credentials", location: at });
      continue;
    }
    if (value.trim() === "" || isPlaceholderOnly(value)) continue;
    if (passwordKeys.has(key)) out.push({ key, reason: "password-type", location: at });
    else if (looksLikeSecretKey(key)) out.push({ key, reason: "secret-name", location: at });
  }
  return out;
}

/** What a finding says about its key, for a diagnostic. */
export function describeFinding(f: SecretFinding): string {
  if (f.reason === "url-credentials")
    return `"${f.key}" writes a credential into a URL; reference it with a config-provider placeholder in its place (\${file:/path:password}) or drop it from the URL`;
  return `"${f.key}" holds a literal ${f.reason === "password-type" ? "value for a PASSWORD key" : "value that looks like a secret"}; the whole value must be one config-provider placeholder such as \${file:/path:${f.key}}`;
}

export const REDACTED = "(redacted)";

/**
 * A value fit for a plan or a log: secrets replaced, placeholders kept (they are not secrets),
 * credentials inside URLs masked whatever the key.
 */
export function redactValue(
  key: string,
  value: string | undefined,
  passwordKeys: ReadonlySet<string>,
): string | undefined {
  if (value === undefined) return undefined;
  if (!passwordKeys.has(key) && !looksLikeSecretKey(key)) return redactText(value);
  return isPlaceholderOnly(value) ? value : REDACTED;
}

/** A whole config with secret values redacted. */
export function redactConfig(
  config: Record<string, string>,
  passwordKeys: ReadonlySet<string>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k, redactValue(k, v, passwordKeys) as string]),
  );
}

/**
 * Literal secrets a Connector file holds, found without a worker (by key name only; `plan` adds
 * the plugin's PASSWORD keys): its base config and every environment's overlay. Located. Pure.
 */
export function connectorFileSecrets(doc: Connector, source: SourceDocument): Diagnostic[] {
  const configs: Array<[Array<string | number>, Record<string, unknown> | undefined]> = [
    [["config"], doc.config],
    ...Object.entries(doc.environments ?? {}).map(
      ([env, o]): [Array<string | number>, Record<string, unknown> | undefined] => [
        ["environments", env, "config"],
        o?.config,
      ],
    ),
  ];
  const out: Diagnostic[] = [];
  for (const [at, config] of configs) {
    const strings = Object.fromEntries(
      Object.entries(config ?? {}).flatMap(([k, v]) =>
        v === null || v === undefined ? [] : [[k, String(v)]],
      ),
    );
    for (const f of findLiteralSecrets(strings, new Set())) {
      const path = [...at, f.key];
      const pos = source.locate(path);
      out.push({
        severity: "error",
        code: "literal-secret",
        message: `${doc.name}: ${describeFinding(f)}`,
        location: { file: source.file, line: pos.line, column: pos.column, path: formatPath(path) },
      });
    }
  }
  return out;
}
