import { appendFile, lstat, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { emptyLock, serializeLock } from "@kiln/catalog";
import { KilnError, type Kind, schemaFile } from "@kiln/schemas";
import { DEFAULT_KAFKA_VERSION, STRIMZI_VERSION, SUPPORTED_KAFKA_LINES } from "@kiln/schemas/versions";
import { productRoot } from "../product.js";
import * as templates from "./templates.js";

export interface ScaffoldFile {
  /** Relative to the target directory, `/`-separated. */
  path: string;
  content: string;
  /** An existing file gets the missing lines appended (.gitignore) instead of being kept as is. */
  mergeLines?: boolean;
}

export interface ScaffoldOptions {
  /** The vetted entries shipped with kiln, and their lock. */
  starter: boolean;
  packageSpec?: string;
  project: string;
}

/** Every file `kiln init` writes, relative to the target directory. */
export async function planScaffold(opts: ScaffoldOptions): Promise<ScaffoldFile[]> {
  const { dir: root, version } = productRoot();
  const values: templates.TemplateValues = {
    version,
    strimzi: STRIMZI_VERSION,
    kafkaLines: SUPPORTED_KAFKA_LINES,
    defaultKafka: DEFAULT_KAFKA_VERSION,
    schemaDir: dirname(schemaFile("ConnectorPlugin")),
    project: opts.project,
    ...(opts.packageSpec ? { packageSpec: opts.packageSpec } : {}),
  };
  const files: ScaffoldFile[] = [
    {
      path: "catalog/license-policy.yaml",
      content: withSchemaLine(
        await readFile(join(root, "catalog", "license-policy.yaml"), "utf8"),
        "LicensePolicy",
      ),
    },
  ];
  if (opts.starter) {
    const dir = join(root, "catalog", "connectors");
    for (const name of (await readdir(dir)).filter((f) => f.endsWith(".yaml")).sort())
      files.push({
        path: `catalog/connectors/${name}`,
        content: withSchemaLine(await readFile(join(dir, name), "utf8"), "ConnectorPlugin"),
      });
    // kiln's own lock pins exactly these entries.
    files.push({ path: "kiln.lock.json", content: await readFile(join(root, "kiln.lock.json"), "utf8") });
  } else {
    files.push(
      { path: "catalog/connectors/.gitkeep", content: "" },
      { path: "kiln.lock.json", content: serializeLock(emptyLock()) },
    );
  }
  files.push(
    { path: "clusters/.gitkeep", content: "" },
    { path: "connectors/.gitkeep", content: "" },
    { path: ".github/actions/install-kiln/action.yml", content: templates.installAction(values) },
    { path: ".github/workflows/kiln-pr.yml", content: templates.prWorkflow(values) },
    { path: ".github/workflows/kiln-main.yml", content: templates.mainWorkflow(values) },
    { path: ".github/workflows/kiln-drift.yml", content: templates.driftWorkflow(values) },
    { path: ".github/workflows/kiln-update.yml", content: templates.updateWorkflow(values) },
    { path: "README.md", content: templates.readme(values) },
    { path: ".gitignore", content: `${templates.GITIGNORE_LINES.join("\n")}\n`, mergeLines: true },
  );
  return files;
}

/** Points a file's `# yaml-language-server: $schema=…` line at the installed schema of its kind. */
function withSchemaLine(text: string, kind: Kind): string {
  const line = `# yaml-language-server: $schema=${pathToFileURL(schemaFile(kind)).href}`;
  return text.startsWith("# yaml-language-server:") ? text.replace(/^.*\n/, `${line}\n`) : `${line}\n${text}`;
}

export interface ScaffoldResult {
  written: string[];
  /** Existing files left as they were (with --force). */
  kept: string[];
  /** Existing files that got missing lines appended. */
  merged: string[];
}

async function kindOf(path: string): Promise<"file" | "dir" | "link" | "other" | undefined> {
  const info = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw new KilnError(err.message, { location: { file: path }, cause: err });
  });
  if (!info) return undefined;
  if (info.isSymbolicLink()) return "link";
  return info.isFile() ? "file" : info.isDirectory() ? "dir" : "other";
}

/**
 * `rel`'s directories under `target`, each a real directory or absent (a symbolic link could
 * lead outside the target); with `create`, the absent ones are made.
 */
async function checkDirs(target: string, rel: string, create: boolean): Promise<void> {
  let dir = target;
  for (const part of rel.split("/").slice(0, -1)) {
    dir = join(dir, part);
    const kind = await kindOf(dir);
    if (kind === undefined && create) await mkdir(dir);
    else if (kind !== undefined && kind !== "dir")
      throw new KilnError(
        `is ${kind === "link" ? "a symbolic link" : "not a directory"}; kiln init writes only into real directories inside the target`,
        { location: { file: dir } },
      );
  }
}

/**
 * Writes the planned files into `target`. Without `force`, any planned file that already
 * exists stops everything before a byte is written; with it, existing files are kept (a
 * line-merged file gets its missing lines). A `.gitkeep` is written only into an empty folder.
 */
export async function writeScaffold(
  target: string,
  files: ScaffoldFile[],
  opts: { force: boolean },
): Promise<ScaffoldResult> {
  const targetKind = await kindOf(target);
  if (targetKind !== undefined && targetKind !== "dir" && targetKind !== "link")
    throw new KilnError("is not a directory", { location: { file: target } });
  await mkdir(target, { recursive: true });

  const planned: ScaffoldFile[] = [];
  const existing: string[] = [];
  for (const f of files) {
    const abs = join(target, f.path);
    await checkDirs(target, f.path, false);
    if (f.path.endsWith("/.gitkeep")) {
      const entries = await readdir(dirname(abs)).catch(() => []);
      if (entries.length > 0) continue; // the folder is already tracked through its files
    }
    const kind = await kindOf(abs);
    if (kind !== undefined && kind !== "file")
      throw new KilnError("exists and is not a regular file", { location: { file: abs } });
    if (kind === "file") existing.push(f.path);
    planned.push(f);
  }
  if (existing.length > 0 && !opts.force)
    throw new KilnError(
      `kiln init would overwrite ${existing.join(", ")}; nothing was written (--force adds only what is missing and keeps every existing file)`,
      { location: { file: target } },
    );

  const result: ScaffoldResult = { written: [], kept: [], merged: [] };
  for (const f of planned) {
    const abs = join(target, f.path);
    await checkDirs(target, f.path, true);
    if (!existing.includes(f.path)) {
      await writeFile(abs, f.content, { flag: "wx" });
      result.written.push(f.path);
    } else if (f.mergeLines) {
      const current = await readFile(abs, "utf8");
      const have = new Set(current.split("\n").map((l) => l.trim()));
      const missing = f.content.split("\n").filter((l) => l.trim() !== "" && !have.has(l.trim()));
      if (missing.length === 0) result.kept.push(f.path);
      else {
        await appendFile(
          abs,
          `${current === "" || current.endsWith("\n") ? "" : "\n"}${missing.join("\n")}\n`,
        );
        result.merged.push(f.path);
      }
    } else result.kept.push(f.path);
  }
  return result;
}
