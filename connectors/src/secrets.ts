import type { Location } from "@kiln/schemas";

/** `${provider:path:key}` or `${provider:key}`: resolved by a config provider on the worker. */
const PLACEHOLDER = /\$\{[A-Za-z0-9_.-]+:[^}]*\}/g;
const ONE_PLACEHOLDER = /\$\{[A-Za-z0-9_.-]+:[^}]*\}/;

/** Key names that hold secrets in practice. */
const SECRET_KEY =
  /(password|passwd|(^|[._-])pwd($|[._-])|secret|token|credential|jaas\.config|api[._-]?key|private[._-]?key|access[._-]?key|auth[._-]?key|signing[._-]?key|encryption[._-]?key|keystore\.key|(^|[._-])key$)/i;

/** Keys that mention a secret word but hold a location, a switch or a class, never the secret. */
const NOT_A_SECRET =
  /(\.(url|uri|endpoint|endpoint\.url|location|path|file|type|class|ms|enable|enabled|size|mode|name|header|scope|algorithm|format|provider)$)|^(key|value|header)\.converter/i;

export function looksLikeSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !NOT_A_SECRET.test(key);
}

export function isPlaceholderOnly(value: string): boolean {
  return ONE_PLACEHOLDER.test(value) && value.replace(PLACEHOLDER, "").trim() === "";
}

export function hasPlaceholder(value: string): boolean {
  return ONE_PLACEHOLDER.test(value);
}

export interface SecretFinding {
  key: string;
  reason: "password-type" | "secret-name";
  location: Location;
}

/**
 * Keys that hold a literal where a secret belongs: keys the plugin declares as PASSWORD, or
 * whose names look like secrets, must be empty or carry a config-provider placeholder
 * (`${file:…}`, `${env:…}`, `${secrets:…}`, `${directory:…}`). Values never appear in findings. Pure.
 */
export function findLiteralSecrets(
  config: Record<string, string>,
  passwordKeys: ReadonlySet<string>,
  location: Location = {},
): SecretFinding[] {
  const out: SecretFinding[] = [];
  for (const [key, value] of Object.entries(config).sort(([a], [b]) => a.localeCompare(b))) {
    if (value.trim() === "" || hasPlaceholder(value)) continue;
    if (passwordKeys.has(key))
      out.push({ key, reason: "password-type", location: { ...location, path: `config.${key}` } });
    else if (looksLikeSecretKey(key)) {
      out.push({ key, reason: "secret-name", location: { ...location, path: `config.${key}` } });
    }
  }
  return out;
}

export const REDACTED = "(redacted)";

/** A value fit for a plan or a log: secrets replaced, placeholders kept (they are not secrets). */
export function redactValue(
  key: string,
  value: string | undefined,
  passwordKeys: ReadonlySet<string>,
): string | undefined {
  if (value === undefined) return undefined;
  if (!passwordKeys.has(key) && !looksLikeSecretKey(key)) return value;
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
