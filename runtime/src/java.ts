import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { defaultCacheDir } from "@kiln/catalog";
import { DEFAULT_KAFKA_VERSION } from "@kiln/schemas";
import { resolveKafkaJars } from "./jars.js";

const run = promisify(execFile);

/**
 * Compiles one Java source file against Kafka `version`'s jars (and `classpath`) with `javac`
 * into <kiln cache>/java/<name>-<sha of source and version>/ once, and returns the classpath
 * to run it with (`dir` alone holds the compiled classes). Needs a JDK (javac), Java 17 or later.
 */
export async function compileJava(
  source: string,
  opts: { version?: string; classpath?: string[] } = {},
): Promise<{ classpath: string; dir: string }> {
  const version = opts.version ?? DEFAULT_KAFKA_VERSION;
  const jars = await resolveKafkaJars(version);
  const text = await readFile(source, "utf8");
  const name = basename(source).replace(/\.java$/, "");
  const deps = [`${jars.libDir}/*`, ...(opts.classpath ?? [])].join(":");
  const sha = createHash("sha256").update(text).update(deps).digest("hex").slice(0, 16);
  const out = join(defaultCacheDir(process.env), "java", `${name}-${sha}`);
  const classpath = `${deps}:${out}`;
  const pkg = /^\s*package\s+([\w.]+)\s*;/m.exec(text)?.[1];
  const classFile = join(out, ...(pkg ? pkg.split(".") : []), `${name}.class`);
  if (existsSync(classFile)) return { classpath, dir: out };
  const staging = `${out}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(staging, { recursive: true });
  const javac = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "javac") : "javac";
  try {
    await run(javac, ["-nowarn", "-d", staging, "-cp", deps, source], { maxBuffer: 8 * 1024 * 1024 });
    await rename(staging, out);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    if (existsSync(classFile)) return { classpath, dir: out };
    const e = err as { code?: string; stdout?: string; stderr?: string };
    if (e.code === "ENOENT")
      throw new Error(
        `javac not found: ${name} needs a JDK 17 or later (set JAVA_HOME or put javac on PATH)`,
        {
          cause: err,
        },
      );
    throw new Error(`javac ${source} failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`, { cause: err });
  }
  return { classpath, dir: out };
}
