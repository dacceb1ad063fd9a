/** One row of Kafka's `connect-plugin-path list` (KIP-898): a plugin class found under plugin.path. */
export interface PluginPathRow {
  className: string;
  version: string;
  /** Connect's type name: source, sink, converter, header_converter, transformation, predicate, configprovider, … */
  type: string;
  loadable: boolean;
  /** Registered in a `META-INF/services` manifest, so `plugin.discovery=service_load` finds it. */
  hasManifest: boolean;
  /** The plugin directory (or jar) it was found in. */
  location: string;
}

export interface RunningWorker {
  /** The Connect REST URL. */
  url: string;
  /** The last lines of the worker's log, for failure reasons. */
  logTail(): Promise<string>;
  /** The worker's whole log (it stays until the runtime's work directory is removed). */
  logFile: string;
  /** Worker settings every connector inherits unless its config overrides them (key.converter, …). */
  settings: Record<string, string>;
  stop(): Promise<void>;
}

/** What Kafka's plugin-path tool found, and everything it printed (its log included). */
export interface PluginPathListing {
  rows: PluginPathRow[];
  output: string;
}

/**
 * What conformance needs from a Kafka installation: a broker with one Connect
 * worker of a given version, and Kafka's own plugin-path tool. Real
 * implementations start real JVMs (see `./local-runtime.ts`).
 */
export interface ConformanceRuntime {
  /** Makes a Kafka version ready (jars, broker); a failure here fails every cell of that version. */
  prepare(kafka: string): Promise<void>;
  startWorker(kafka: string, pluginPath: string): Promise<RunningWorker>;
  listPluginPath(kafka: string, pluginPath: string): Promise<PluginPathListing>;
}

const COLUMNS = [
  "pluginName",
  "pluginVersion",
  "pluginType",
  "isLoadable",
  "hasManifest",
  "pluginLocation",
] as const;
const CLASS_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/;
const BOOLEAN = /^(true|false)$/;

/**
 * Parses the tab-separated table `connect-plugin-path list` prints. The tool logs to the same
 * stream, and a plugin that fails to load puts stack traces and blank lines between the header
 * and the rows (and a summary after them): every line after the header that has the header's
 * columns, a class name and booleans is a row, wherever it is; every other line is skipped.
 */
export function parsePluginPathList(text: string): PluginPathRow[] {
  const lines = text.split(/\r?\n/);
  const header = lines.findIndex((l) => l.startsWith("pluginName\t"));
  if (header < 0) throw new Error(`unexpected connect-plugin-path output:\n${text.slice(0, 500)}`);
  const cols = (lines[header] as string).split("\t");
  const [name, version, type, loadable, manifest, location] = COLUMNS.map((c) => {
    const i = cols.indexOf(c);
    if (i < 0) throw new Error(`connect-plugin-path output has no ${c} column`);
    return i;
  }) as [number, number, number, number, number, number];
  const rows: PluginPathRow[] = [];
  for (const line of lines.slice(header + 1)) {
    const f = line.split("\t");
    if (
      f.length !== cols.length ||
      !CLASS_NAME.test(f[name] ?? "") ||
      !BOOLEAN.test(f[loadable] ?? "") ||
      !BOOLEAN.test(f[manifest] ?? "")
    )
      continue;
    rows.push({
      className: f[name] as string,
      version: f[version] ?? "",
      type: f[type] ?? "",
      loadable: f[loadable] === "true",
      hasManifest: f[manifest] === "true",
      location: f[location] ?? "",
    });
  }
  return rows;
}
