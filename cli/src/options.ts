// Parsers for flag values: every value is checked when the command line is read, so a typo is
// a usage error naming the flag (exit 64), never a NaN that quietly does nothing.
import { InvalidArgumentError } from "commander";

/** A whole number in [min, max]. */
export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^\s*[0-9]+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    return n;
  };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** Longest duration a flag takes: a week. */
const MAX_DURATION_MS = 7 * 24 * 3_600_000;

/** `90`, `90s`, `1.5m`, `2h`, `1m30s` (a bare number is seconds) → milliseconds. */
export function parseDuration(value: string): number {
  const text = value.trim();
  const parts = [...text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?/g)];
  const whole = parts.map((p) => p[0]).join("");
  if (parts.length === 0 || whole !== text || (parts.length > 1 && parts.some((p) => !p[2])))
    throw new InvalidArgumentError("must be a duration such as 90, 90s, 5m or 1h30m");
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS[p[2] ?? "s"] as number), 0);
  if (!(ms > 0) || ms > MAX_DURATION_MS)
    throw new InvalidArgumentError("must be a duration above zero and at most a week (e.g. 90s, 5m)");
  return Math.round(ms);
}

/** `90000` → `1m30s`: how a duration is named back in messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${rest || (!h && !m) ? `${rest}s` : ""}`;
}

/** A value from a fixed set, for positional arguments (flags use commander's `choices`). */
export function oneOf(values: readonly string[]): (value: string) => string {
  return (value) => {
    if (!values.includes(value)) throw new InvalidArgumentError(`must be one of ${values.join(", ")}`);
    return value;
  };
}

/** Repeatable flags: each value parsed, all kept. */
export function repeatable<T>(
  parse: (value: string) => T,
): (value: string, previous: T[] | undefined) => T[] {
  return (value, previous) => [...(previous ?? []), parse(value)];
}

/** A DNS-1123 label, as Kubernetes and kiln's own names use: `orders`, `analytics-connect`. */
export function dnsLabel(value: string): string {
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(value))
    throw new InvalidArgumentError("must be lower-case letters, digits and '-' (at most 63)");
  return value;
}

/** `name=value`, both parts non-empty; `name` checked by `checkName`. */
export function keyValue(
  what: string,
  checkName: (name: string) => string = (n) => n,
): (value: string) => [string, string] {
  return (value) => {
    const eq = value.indexOf("=");
    if (eq <= 0 || eq === value.length - 1) throw new InvalidArgumentError(`must be ${what}`);
    return [checkName(value.slice(0, eq)), value.slice(eq + 1)];
  };
}

/** `host:port` of a registry (or a host alone). */
export function registryHost(value: string): string {
  const host = value.replace(/^https?:\/\//, "");
  if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$/.test(host))
    throw new InvalidArgumentError(
      "must be a registry host, optionally with a port (registry.example.com:5000)",
    );
  return host;
}

/** A Kafka version such as 4.3.1 (or 4.3 where `minor` is allowed). */
export function kafkaVersion(value: string, opts: { minor?: boolean } = {}): string {
  const re = opts.minor ? /^[0-9]+\.[0-9]+(\.[0-9]+)?$/ : /^[0-9]+\.[0-9]+\.[0-9]+$/;
  if (!re.test(value.trim()))
    throw new InvalidArgumentError(`must be a Kafka version such as ${opts.minor ? "4.3 or " : ""}4.3.1`);
  return value.trim();
}

/** A comma-separated list of Kafka versions. */
export function kafkaVersions(value: string): string {
  const list = value.split(",").map((v) => v.trim());
  if (list.length === 0 || list.some((v) => v === ""))
    throw new InvalidArgumentError("must be comma-separated Kafka versions such as 4.2.0,4.3.1");
  return list.map((v) => kafkaVersion(v)).join(",");
}

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[^\s,:[\]]+):[0-9]{1,5}$/;

/** `host:port[,host:port…]`, an IPv6 address in brackets (`[fd00::1]:9094`). */
export function bootstrapServers(value: string): string {
  const list = value.split(",").map((s) => s.trim());
  if (list.some((hp) => !HOST_PORT.test(hp) || Number(hp.slice(hp.lastIndexOf(":") + 1)) > 65535))
    throw new InvalidArgumentError(
      "must be host:port[,host:port…] (an IPv6 address in brackets: [fd00::1]:9094)",
    );
  return list.join(",");
}

/** A comma-separated list of names (owners, teams): none empty. */
export function nameList(value: string): string[] {
  const list = value.split(",").map((v) => v.trim());
  if (list.some((v) => v === ""))
    throw new InvalidArgumentError("must be comma-separated names such as platform-team,data");
  return list;
}

/** A file glob of `exclude`: a file name or relative path with `*`, `**`, `?`. */
export function fileGlob(value: string): string {
  if (!/^[A-Za-z0-9._+*?/-]{1,200}$/.test(value) || value.startsWith("/") || value.split("/").includes(".."))
    throw new InvalidArgumentError("must be a file name or relative path glob such as kafka-clients-*.jar");
  return value;
}
