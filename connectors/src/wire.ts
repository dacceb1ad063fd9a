// Shape checks for what a Connect worker answers. kiln plans deletions and restarts from these
// answers, so an answer of the wrong shape (a proxy's HTML page, another API, a broken worker) is
// refused with the field that is wrong, never half-read.

/** Checks a value; returns what is wrong (with its path), or undefined when it fits. */
export type Shape = (value: unknown, at: string) => string | undefined;

function kindOf(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `a ${typeof v}`;
}

const expect =
  (what: string, test: (v: unknown) => boolean): Shape =>
  (v, at) =>
    test(v) ? undefined : `${at} is ${kindOf(v)}${v === undefined ? `; expected ${what}` : `, not ${what}`}`;

export const string = expect("a string", (v) => typeof v === "string");
export const integer = expect("a whole number", (v) => Number.isSafeInteger(v));
export const anything: Shape = () => undefined;

export function optional(shape: Shape): Shape {
  return (v, at) => (v === undefined || v === null ? undefined : shape(v, at));
}

export function list(item: Shape): Shape {
  return (v, at) => {
    if (!Array.isArray(v)) return `${at} is ${kindOf(v)}, not a list`;
    for (const [i, x] of v.entries()) {
      const bad = item(x, `${at}[${i}]`);
      if (bad) return bad;
    }
    return undefined;
  };
}

export function mapOf(value: Shape): Shape {
  return (v, at) => {
    if (!v || typeof v !== "object" || Array.isArray(v)) return `${at} is ${kindOf(v)}, not a mapping`;
    for (const [k, x] of Object.entries(v)) {
      const bad = value(x, `${at}.${k}`);
      if (bad) return bad;
    }
    return undefined;
  };
}

export function object(fields: Record<string, Shape>): Shape {
  return (v, at) => {
    if (!v || typeof v !== "object" || Array.isArray(v)) return `${at} is ${kindOf(v)}, not a mapping`;
    for (const [k, shape] of Object.entries(fields)) {
      const bad = shape((v as Record<string, unknown>)[k], `${at}.${k}`);
      if (bad) return bad;
    }
    return undefined;
  };
}

/** Connect stores config values as strings; a null value is read as absent. */
export const config = mapOf(optional(string));

const connectorState = object({ state: string, worker_id: optional(string), trace: optional(string) });
const taskStatus = object({
  id: integer,
  state: string,
  worker_id: optional(string),
  trace: optional(string),
});

export const serverInfo = object({
  version: string,
  commit: optional(string),
  kafka_cluster_id: optional(string),
});
export const names = list(string);
export const connectorStatus = object({
  name: optional(string),
  connector: connectorState,
  tasks: list(taskStatus),
});
export const connectorInfo = object({
  name: string,
  config,
  tasks: optional(list(object({ connector: optional(string), task: integer }))),
  type: optional(string),
});
export const expanded = mapOf(object({ info: optional(connectorInfo), status: optional(connectorStatus) }));
export const plugins = list(object({ class: string, type: optional(string), version: optional(string) }));
export const pluginConfig = list(object({ name: string, type: string }));
export const validation = object({
  error_count: integer,
  configs: list(
    // Connect answers null for a key of the definition its validate() left without a value.
    object({
      value: optional(object({ name: string, errors: list(string) })),
    }),
  ),
});
export const taskConfigs = list(object({ id: anything, config: optional(config) }));
export const offsets = object({
  offsets: list(object({ partition: mapOf(anything), offset: optional(mapOf(anything)) })),
});
export const message = object({ message: string });

/** A config as Connect stores it, null values (read as absent) dropped. */
export function dropNulls(config: Record<string, string | null>): Record<string, string> {
  return Object.fromEntries(Object.entries(config).filter((e): e is [string, string] => e[1] !== null));
}
