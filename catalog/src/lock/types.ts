// What the lock pins, as data: no I/O here (resolution fills it, `kiln lock --check` reads it).

/** One file inside an unpacked archive, or a plugin directory: what the content digest is made of. */
export interface ContentEntry {
  /** Relative, `/`-separated. */
  path: string;
  /** Normalised: 0o644, 0o755, or 0o120777 for a symlink. */
  mode: number;
  size: number;
  sha256: string;
}

/** One verified file, as the lock pins it. */
export interface PinnedFile {
  fileName: string;
  /** Where it comes from, before mirrors (the lock stays the same behind any Nexus). */
  url: string;
  size: number;
  sha512: string;
  /** Filled when the plugin is laid out; the content digest is made of sha256s. */
  sha256?: string;
  /** Archives are unpacked into the plugin directory; other files are copied. */
  unpack?: "tgz" | "zip";
  /** What an archive unpacks to (filled when the plugin is laid out). */
  contents?: ContentEntry[];
  /** A jar Kafka already ships (kafka-clients, connect-api…): recorded, never laid out. */
  kafkaProvided?: boolean;
  /** An archive's files left out of the plugin directory (the artifact's `exclude` globs). */
  exclude?: string[];
}

/** A catalog artifact and the files it resolved to. */
export interface LockedArtifact {
  /** Identity of the catalog artifact, e.g. `maven:io.debezium:debezium-connector-postgres:tar.gz:plugin:3.3.1.Final`. */
  source: string;
  /** Maven repository (absent for Central). */
  repository?: string;
  /** Name of the environment variable holding an Authorization header value (never the value). */
  authEnv?: string;
  files: PinnedFile[];
}
