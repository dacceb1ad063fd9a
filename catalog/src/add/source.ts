import { KilnError } from "@kiln/schemas";

/** Where a plugin to add comes from, as `kiln catalog add <source>` names it. */
export type AddSource =
  | {
      kind: "maven";
      group: string;
      artifact: string;
      version: string;
      classifier?: string;
      extension: "jar" | "tar.gz" | "tgz" | "zip";
    }
  | { kind: "url"; url: string; type: "jar" | "tgz" | "zip"; fileName: string }
  | { kind: "github-release"; repository: string; tag: string; asset: string };

const MAVEN =
  /^([A-Za-z0-9_.-]+):([A-Za-z0-9_.-]+):([A-Za-z0-9_.+-]+)(?::([A-Za-z0-9_.-]+))?(?:@(jar|tar\.gz|tgz|zip))?$/;
const GITHUB = /^github:([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)@([^/\s]+)\/([A-Za-z0-9._+-]+)$/;
const GITHUB_DOWNLOAD =
  /^https:\/\/github\.com\/([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)\/releases\/download\/([^/]+)\/([^/]+)$/;
const ARCHIVE = /\.(jar|zip|tar\.gz|tgz)$/;

/** The artifact type of a file by its name: jar, zip, or tgz. */
export function archiveType(fileName: string): "jar" | "tgz" | "zip" | undefined {
  const ext = ARCHIVE.exec(fileName)?.[1];
  return ext === "tar.gz" || ext === "tgz" ? "tgz" : (ext as "jar" | "zip" | undefined);
}

const USAGE =
  "must be Maven coordinates (group:artifact:version[:classifier][@jar|tar.gz|zip]), an https:// URL of a .jar, .zip or .tar.gz, or a GitHub release asset (github:owner/repo@tag/asset)";

/** Parses the `<source>` of `kiln catalog add`. Throws a KilnError saying what is accepted. */
export function parseAddSource(text: string): AddSource {
  const source = text.trim();
  const gh = GITHUB.exec(source) ?? GITHUB_DOWNLOAD.exec(source);
  if (gh) {
    const asset = decodeURIComponent(gh[3] as string);
    if (!archiveType(asset)) throw new KilnError(`release asset ${asset} is not a .jar, .zip or .tar.gz`);
    return {
      kind: "github-release",
      repository: gh[1] as string,
      tag: decodeURIComponent(gh[2] as string),
      asset,
    };
  }
  if (/^[a-z]+:\/\//i.test(source)) {
    let url: URL;
    try {
      url = new URL(source);
    } catch {
      throw new KilnError(`source "${source}" is not a valid URL`);
    }
    if (url.protocol !== "https:") throw new KilnError(`source "${source}" must use https`);
    if (url.username || url.password)
      throw new KilnError("source URLs must not carry credentials; use an artifact's authEnv instead");
    const fileName = decodeURIComponent(url.pathname.split("/").pop() ?? "");
    const type = archiveType(fileName);
    if (!type || !/^[A-Za-z0-9._+-]+$/.test(fileName))
      throw new KilnError(`source URL must end in a .jar, .zip or .tar.gz file name, not "${fileName}"`);
    return { kind: "url", url: url.toString(), type, fileName };
  }
  const m = MAVEN.exec(source);
  if (m) {
    return {
      kind: "maven",
      group: m[1] as string,
      artifact: m[2] as string,
      version: m[3] as string,
      ...(m[4] ? { classifier: m[4] } : {}),
      extension: (m[5] as "jar" | "tar.gz" | "tgz" | "zip" | undefined) ?? "jar",
    };
  }
  throw new KilnError(`source "${source}" ${USAGE}`);
}

/** The version a source names (Maven's; a release tag without its `v`; a URL file name's version). */
export function versionOfSource(s: AddSource): string | undefined {
  if (s.kind === "maven") return s.version;
  if (s.kind === "github-release") return s.tag.replace(/^v(?=\d)/, "");
  return /-(\d+(?:\.\d+)*(?:[.-][A-Za-z0-9]+)*?)(?:-(?:plugin|package|bin|dist))?\.(?:jar|zip|tar\.gz|tgz)$/.exec(
    s.fileName,
  )?.[1];
}

/** A catalog name for a source: the artifact (or file) name without connector boilerplate. */
export function nameOfSource(s: AddSource): string {
  const base =
    s.kind === "maven"
      ? s.artifact
      : (s.kind === "url" ? s.fileName : s.asset)
          .replace(ARCHIVE, "")
          .replace(/-v?\d+(\.\d+)*([.-][A-Za-z0-9]+)*$/, "");
  return base
    .toLowerCase()
    .replace(/-kafka-connector$|^kafka-connect-|-connector(?=-|$)/g, "")
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
}
