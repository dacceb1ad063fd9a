import { mkdir, readdir, symlink, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { DEFAULT_KAFKA_VERSION, type JarSet, resolveKafkaJars } from "@kiln/connectors/runtime";

/**
 * Runs `start` (a `startKafka` call) on a Kafka `version` whose libs also hold the jar sets, as
 * Strimzi's images carry the OAuth and OPA jars in /opt/kafka/libs: a kiln cache under `dir` links
 * Kafka's resolved jars and the sets' into one libs directory, and `start` sees it through
 * KILN_CACHE. (startKafka takes no classpath of its own; with one, this goes.)
 */
export async function withKafkaLibs<T>(
  dir: string,
  sets: JarSet[],
  start: () => Promise<T>,
  version: string = DEFAULT_KAFKA_VERSION,
): Promise<T> {
  const kafka = await resolveKafkaJars(version);
  const cache = join(dir, "kiln-cache");
  const root = join(cache, "kafka", version);
  await mkdir(join(root, "libs"), { recursive: true });
  const jars = [
    ...(await readdir(kafka.libDir)).map((f) => join(kafka.libDir, f)),
    ...sets.flatMap((s) => s.files),
  ];
  // One version of each artifact: a second one on the classpath would shadow or break the first.
  const seen = new Map<string, string>();
  for (const jar of jars) {
    const artifact = basename(jar).replace(/-\d[^/]*\.jar$/, "");
    const first = seen.get(artifact);
    if (first) throw new Error(`${basename(jar)} duplicates ${first} on Kafka ${version}'s classpath`);
    seen.set(artifact, basename(jar));
    await symlink(jar, join(root, "libs", basename(jar)));
  }
  await symlink(kafka.pluginsDir, join(root, "plugins"));
  await writeFile(join(root, ".complete"), "");
  const saved = process.env.KILN_CACHE;
  process.env.KILN_CACHE = cache;
  try {
    return await start();
  } finally {
    if (saved === undefined) delete process.env.KILN_CACHE;
    else process.env.KILN_CACHE = saved;
  }
}
