import { writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * A log4j2 configuration writing to stdout (the process's log file), with `loggers` at their own
 * levels (e.g. `{ "kafka.authorizer.logger": "DEBUG" }` to log every authorization decision).
 */
export async function writeLog4j2(
  dir: string,
  level = "INFO",
  loggers: Record<string, string> = {},
): Promise<string> {
  const file = join(dir, "log4j2.properties");
  // Chatty at INFO and useless for diagnosing a test, unless asked for.
  const levels = {
    "org.reflections": "ERROR",
    "org.apache.kafka.clients": "WARN",
    "org.apache.kafka.common.config.AbstractConfig": "WARN",
    ...loggers,
  };
  await writeFile(
    file,
    [
      "status = warn",
      "appender.console.type = Console",
      "appender.console.name = STDOUT",
      "appender.console.layout.type = PatternLayout",
      "appender.console.layout.pattern = [%d] %p %m (%c)%n",
      `rootLogger.level = ${level}`,
      "rootLogger.appenderRef.stdout.ref = STDOUT",
      ...Object.entries(levels).flatMap(([name, l], i) => [
        `logger.l${i}.name = ${name}`,
        `logger.l${i}.level = ${l}`,
      ]),
      "",
    ].join("\n"),
  );
  return file;
}

export function propertiesText(props: Record<string, string | number>): string {
  return `${Object.entries(props)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join("\n")}\n`;
}
