// What counts as a secret, wherever kiln reads or prints values: one definition for the
// connector checks, the cluster checks, the catalog and every message kiln prints.

/**
 * `${provider:path:key}` or `${provider:key}`: resolved by a config provider on the worker (Kafka's
 * ConfigTransformer syntax).
 */
const PLACEHOLDER = String.raw`\$\{[A-Za-z0-9_.-]+:[^}]*\}`;
const ONLY_PLACEHOLDER = new RegExp(String.raw`^\s*${PLACEHOLDER}\s*$`);

/**
 * True when the whole value is one config-provider placeholder. Anything else — a literal, or a
 * literal with a placeholder inside it (`S3CR3T${env:X}`) — is a literal as far as secrets go.
 */
export function isPlaceholderOnly(value: string): boolean {
  return ONLY_PLACEHOLDER.test(value);
}

/** Key names that hold secrets in practice. */
const SECRET_KEY =
  /(password|passwd|(^|[._-])pwd($|[._-])|secret|token|credential|jaas\.config|api[._-]?key|private[._-]?key|access[._-]?key|auth[._-]?key|signing[._-]?key|encryption[._-]?key|keystore\.key|(^|[._-])key$)/i;

/** Keys that mention a secret word but hold a location, a switch or a class, never the secret. */
const NOT_A_SECRET =
  /(\.(url|uri|endpoint|endpoint\.url|location|path|file|type|class|ms|enable|enabled|size|mode|name|header|scope|algorithm|format|provider)$)|^(key|value|header)\.converter/i;

/** Whether a config key (or the last segment of a document path) names a secret. */
export function looksLikeSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !NOT_A_SECRET.test(key);
}

/** URL parameters that carry a credential under a name no config key uses: signatures, auth, upload-session state. */
const SECRET_PARAMETER = /^(sig|signature|x-amz-signature|auth|_state)$/i;

/**
 * Whether a URL query (or JDBC) parameter carries a credential: a secret-looking key, as for
 * config keys, or a signature, auth or session-state parameter. One rule for finding and redacting.
 */
export function looksLikeSecretParameter(key: string): boolean {
  return looksLikeSecretKey(key) || SECRET_PARAMETER.test(key);
}

/** A span of text that is a credential inside a URL (the password, never the user name). */
export interface CredentialSpan {
  start: number;
  end: number;
  /** `userinfo` (`user:password@`), `parameter` (`?password=…`, `;password=…`), `oracle` (`thin:user/password@`). */
  kind: "userinfo" | "parameter" | "oracle";
}

/** `scheme://user:password@` — the password is group 2. */
const USERINFO = /[a-z][a-z0-9+.-]*:\/\/([^\s/?#@:]*):([^\s/?#@]*)@/dgi;
/** `jdbc:oracle:thin:user/password@host`. */
const ORACLE = /jdbc:oracle:[a-z0-9]+:([^\s/@:]+)\/([^\s@]+)@/dgi;
/** `?name=value`, `&name=value`, `;name=value` (JDBC), inside something that reads as a URL. */
const PARAMETER = /[?&;]([A-Za-z0-9_.-]+)=([^&;\s#)"'<>`]*)/dgi;
const URL_LIKE = /[a-z][a-z0-9+.-]*:\/\/|jdbc:/i;

/**
 * Credentials written into URLs inside `text`: passwords in user info, password-like query or
 * JDBC parameters, Oracle's `user/password@`. A credential that is entirely a config-provider
 * placeholder is not a literal and is not reported. Pure.
 */
export function findUrlCredentials(text: string): CredentialSpan[] {
  if (!URL_LIKE.test(text)) return [];
  const out: CredentialSpan[] = [];
  const scan = (re: RegExp, group: number, kind: CredentialSpan["kind"]) => {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (kind === "parameter" && !looksLikeSecretParameter(m[1] ?? "")) continue;
      const secret = m[group] ?? "";
      const span = m.indices?.[group];
      if (!span || secret === "" || secret === "***" || isPlaceholderOnly(secret)) continue;
      out.push({ start: span[0], end: span[1], kind });
    }
  };
  scan(USERINFO, 2, "userinfo");
  scan(ORACLE, 2, "oracle");
  scan(PARAMETER, 2, "parameter");
  return out.sort((a, b) => a.start - b.start);
}

export function hasUrlCredentials(text: string): boolean {
  return findUrlCredentials(text).length > 0;
}

/** `text` with every credential inside a URL replaced by `***`: fit for a message, a plan or a log. */
export function redactText(text: string): string {
  const spans = findUrlCredentials(text);
  if (spans.length === 0) return text;
  let out = "";
  let at = 0;
  for (const s of spans) {
    if (s.start < at) continue;
    out += `${text.slice(at, s.start)}***`;
    at = s.end;
  }
  return out + text.slice(at);
}

/**
 * A URL safe to print, wherever kiln prints one (registries, downloads, Connect workers, the
 * Kubernetes API): user info becomes `***`, and so does every query value whose parameter
 * carries a credential ({@link looksLikeSecretParameter}). A URL given without a path keeps none.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = "***";
      u.password = "";
    }
    for (const key of [...u.searchParams.keys()])
      if (looksLikeSecretParameter(key)) u.searchParams.set(key, "***");
    const out = u.toString();
    return u.pathname === "/" && !u.search && !u.hash && !/^[a-z][a-z0-9+.-]*:\/\/[^/]*\//i.test(url)
      ? out.slice(0, -1)
      : out;
  } catch {
    return redactText(url).replace(/\/\/[^/@\s]*@/, "//***@");
  }
}

/**
 * `text` with every occurrence of the given secret values (credentials kiln holds) replaced by
 * `***`: for what a server echoes back, which kiln may print.
 */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 3) out = out.split(s).join("***");
  return out;
}
