// What kiln targets: the Strimzi release it renders for, the Kafka versions that release supports,
// and the images and versions kiln picks by default. One home for every version default (the
// renderers, the runtime, conformance, bake and help text read them here), in a module of its
// own so `kiln --version` can print it without loading anything else.

/** The Strimzi release whose CRDs (`kafka.strimzi.io/v1`) and Kafka images kiln targets. */
export const STRIMZI_VERSION = "1.2.0";

/** Kafka feature releases Strimzi 1.2 supports. */
export const SUPPORTED_KAFKA_LINES = ["4.2", "4.3"] as const;

/** The Kafka versions Strimzi 1.2 runs (its kafka-versions.yaml). */
export const SUPPORTED_KAFKA_VERSIONS = ["4.2.0", "4.2.1", "4.3.0", "4.3.1"] as const;

/** The oldest metadata version Kafka 4.x starts with (KRaft before 3.3-IV3 is no longer supported). */
export const MIN_METADATA_VERSION = "3.3-IV3";

/** Strimzi 1.2's default Kafka version: what a Cluster file without one, and the local runtime, run. */
export const DEFAULT_KAFKA_VERSION = "4.3.1";

/**
 * Kafka versions conformance proves entries on by default: one release of each supported line.
 * 4.2.0, not 4.2.1: Maven Central as reached here lacks some 4.2.1 modules.
 */
export const CONFORMANCE_KAFKA_VERSIONS = ["4.2.0", "4.3.1"] as const;

export const SUPPORTED_KAFKA = new RegExp(
  `^(${SUPPORTED_KAFKA_LINES.map((line) => line.replace(".", "\\.")).join("|")})\\.\\d+$`,
);

/** Strimzi's own Kafka image for a Kafka version: the default base of a Connect image. */
export function strimziKafkaImage(kafkaVersion: string): string {
  return `quay.io/strimzi/kafka:${STRIMZI_VERSION}-kafka-${kafkaVersion}`;
}
