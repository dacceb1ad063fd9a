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
  stop(): Promise<void>;
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
  listPluginPath(kafka: string, pluginPath: string): Promise<PluginPathRow[]>;
}

/** Parses the tab-separated table `connect-plugin-path list` prints. */
export function parsePluginPathList(text: string): PluginPathRow[] {
  const lines = text.split("\n");
  const header = lines.findIndex((l) => l.startsWith("pluginName\t"));
  if (header < 0) throw new Error(`unexpected connect-plugin-path output:\n${text.slice(0, 500)}`);
  const cols = (lines[header] as string).split("\t");
  const at = (name: string) => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`connect-plugin-path output has no ${name} column`);
    return i;
  };
  const [name, version, type, loadable, manifest, location] = [
    at("pluginName"),
    at("pluginVersion"),
    at("pluginType"),
    at("isLoadable"),
    at("hasManifest"),
    at("pluginLocation"),
  ];
  const rows: PluginPathRow[] = [];
  for (const line of lines.slice(header + 1)) {
    if (line.trim() === "") break;
    const f = line.split("\t");
    rows.push({
      className: f[name] ?? "",
      version: f[version] ?? "",
      type: f[type] ?? "",
      loadable: f[loadable] === "true",
      hasManifest: f[manifest] === "true",
      location: f[location] ?? "",
    });
  }
  return rows;
}
