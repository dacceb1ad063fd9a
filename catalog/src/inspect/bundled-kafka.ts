import semver from "semver";
import { normalizeVersion } from "../version.js";
import { loadsInIsolation } from "./plugin-classes.js";

/** A jar of Kafka's own (or one Connect always takes from the worker) found inside a plugin. */
export interface BundledKafkaJar {
  path: string;
  artifact: string;
  version: string | undefined;
  /** A module of Apache Kafka (false for slf4j-api, which Connect also takes from the worker). */
  kafkaModule: boolean;
  /** Whether its version is within the Kafka range the entry claims. */
  claimedLine: boolean;
  /** Whether it is from another major version of Kafka than the entry claims (APIs removed in between). */
  otherMajor: boolean;
  /** Classes of it Connect loads from this copy rather than the worker's (plugin isolation). */
  isolated: string[];
}

export interface BundledKafkaFindings {
  jars: BundledKafkaJar[];
  errors: string[];
  warnings: string[];
}

const examples = (classes: string[]) =>
  `${classes.slice(0, 2).join(", ")}${classes.length > 2 ? ` and ${classes.length - 2} more` : ""}`;

/**
 * What the plugin's copies of Kafka jars mean at run time. Connect loads most of Kafka (clients,
 * Connect API) from the worker whatever a plugin bundles, but its converters, transforms,
 * JSON and file modules and config providers from the plugin's copy first, where they run
 * against the worker's classes. Kafka removes deprecated APIs at major versions, so a copy from
 * another major version breaks (NoSuchMethodError, NoClassDefFoundError): an error, with the
 * fix. A copy from another minor line of the same major is a loud warning (conformance proves
 * whether it works); one from a claimed line, or one Connect never loads, a plain warning.
 */
export function bundledKafkaFindings(
  jars: ReadonlyArray<{
    path: string;
    artifact: string;
    version: string | undefined;
    classes: Iterable<string>;
  }>,
  kafkaRange: string,
): BundledKafkaFindings {
  const out: BundledKafkaFindings = { jars: [], errors: [], warnings: [] };
  const fix = (artifact: string) =>
    `pin a release of the plugin built for the Kafka lines you claim, or leave the jar out with \`exclude: ["${artifact}-*.jar"]\` on its artifact (the worker's own copy is then used)`;
  for (const j of jars) {
    const kafkaModule = j.artifact !== "slf4j-api";
    const isolated = [...j.classes].filter(loadsInIsolation).sort();
    const normal = j.version ? normalizeVersion(j.version) : undefined;
    const claimedLine = kafkaModule && normal !== undefined && semver.satisfies(normal, kafkaRange);
    const otherMajor =
      kafkaModule &&
      normal !== undefined &&
      semver.validRange(kafkaRange) !== null &&
      !semver.intersects(kafkaRange, `^${semver.major(normal)}.0.0`);
    out.jars.push({
      path: j.path,
      artifact: j.artifact,
      version: j.version,
      kafkaModule,
      claimedLine,
      otherMajor,
      isolated,
    });
    const copy = `${j.path}: a copy of ${kafkaModule ? "Kafka " : ""}${j.version ?? "(unversioned)"}'s ${j.artifact}`;
    if (!kafkaModule || isolated.length === 0) {
      out.warnings.push(
        `${copy}, which Connect never loads from a plugin (it takes ${kafkaModule ? "these classes" : "org.slf4j"} from the worker): dead weight; \`exclude: ["${j.artifact}-*.jar"]\` on its artifact leaves it out`,
      );
    } else if (otherMajor) {
      out.errors.push(
        `${copy}, from another major version of Kafka than the entry claims (kafka "${kafkaRange}"): Connect loads ${isolated.length} of its classes (${examples(isolated)}) from this copy before the worker's own (plugin isolation), where they run against the worker's Kafka classes and fail (NoSuchMethodError, NoClassDefFoundError: Kafka removes deprecated APIs at major versions). Fix: ${fix(j.artifact)}`,
      );
    } else if (!claimedLine) {
      out.warnings.push(
        `${copy}, from another Kafka line than the entry claims (kafka "${kafkaRange}"): Connect loads ${isolated.length} of its classes (${examples(isolated)}) from this copy before the worker's own (plugin isolation). Kafka keeps binary compatibility within a major version, so this usually works, and conformance proves it; if it fails: ${fix(j.artifact)}`,
      );
    } else {
      out.warnings.push(
        `${copy}: Connect loads ${isolated.length} of its classes (${examples(isolated)}) from this copy instead of the worker's (plugin isolation); it is within the claimed Kafka range, but \`exclude: ["${j.artifact}-*.jar"]\` on its artifact would make the worker's own copy the one used`,
      );
    }
  }
  return out;
}
