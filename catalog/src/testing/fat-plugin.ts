import { makeJar, makeTgz } from "./archives.js";

const CONVERTER = "org.apache.kafka.connect.storage.Converter";
const HEADER_CONVERTER = "org.apache.kafka.connect.storage.HeaderConverter";
const CONFIG_PROVIDER = "org.apache.kafka.common.config.provider.ConfigProvider";

/**
 * A "fat" connector package shaped like Apache Camel's Kafka connectors 0.7 (whose packages
 * bundle Kafka 2.6 jars): its own source and sink connectors with no service manifests, a
 * transform, two converters of a bundled schema-registry library found only by their class
 * hierarchy, and copies of Kafka `kafkaVersion`'s connect-json (JsonConverter, registered for
 * ServiceLoader) and kafka-clients (FileConfigProvider), plus slf4j-api.
 */
export function fatPluginJars(kafkaVersion = "2.6.0"): Record<string, Buffer> {
  return {
    "acme-connector-1.0.0.jar": makeJar({
      classes: [
        {
          name: "com.acme.connect.AcmeSourceConnector",
          super: "org.apache.kafka.connect.source.SourceConnector",
        },
        { name: "com.acme.connect.AcmeSinkConnector", super: "org.apache.kafka.connect.sink.SinkConnector" },
        {
          name: "com.acme.connect.AbstractTransform",
          interfaces: ["org.apache.kafka.connect.transforms.Transformation"],
          access: 0x0421,
        },
        { name: "com.acme.connect.AbstractTransform$Value", super: "com.acme.connect.AbstractTransform" },
        { name: "com.acme.connect.Util" },
      ],
    }),
    "registry-converter-1.3.1.jar": makeJar({
      classes: [
        { name: "io.registry.converter.SchemaConverter", interfaces: [CONVERTER] },
        { name: "io.registry.converter.AvroConverter", super: "io.registry.converter.SchemaConverter" },
        {
          name: "io.registry.converter.ExtJsonConverter",
          super: "org.apache.kafka.connect.json.JsonConverter",
        },
      ],
    }),
    [`connect-json-${kafkaVersion}.jar`]: makeJar({
      classes: [
        { name: "org.apache.kafka.connect.json.JsonConverter", interfaces: [CONVERTER, HEADER_CONVERTER] },
        { name: "org.apache.kafka.connect.json.JsonDeserializer" },
      ],
      services: {
        [CONVERTER]: ["org.apache.kafka.connect.json.JsonConverter"],
        [HEADER_CONVERTER]: ["org.apache.kafka.connect.json.JsonConverter"],
      },
    }),
    [`kafka-clients-${kafkaVersion}.jar`]: makeJar({
      classes: [
        { name: "org.apache.kafka.common.config.provider.FileConfigProvider", interfaces: [CONFIG_PROVIDER] },
        { name: "org.apache.kafka.clients.producer.KafkaProducer" },
      ],
      services: { [CONFIG_PROVIDER]: ["org.apache.kafka.common.config.provider.FileConfigProvider"] },
    }),
    "slf4j-api-1.7.30.jar": makeJar({ classes: [{ name: "org.slf4j.LoggerFactory" }] }),
  };
}

/** The fat package as its publisher ships it: a tar.gz with one top-level directory and a licence. */
export function fatPluginTgz(kafkaVersion = "2.6.0"): Promise<Buffer> {
  return makeTgz([
    {
      name: "acme-connector/LICENSE.txt",
      data: "Apache License\nVersion 2.0, January 2004\nhttp://www.apache.org/licenses/\n",
    },
    ...Object.entries(fatPluginJars(kafkaVersion)).map(([name, data]) => ({
      name: `acme-connector/${name}`,
      data,
    })),
  ]);
}

/** The classes the fat package's own jars provide, as an entry declares them. */
export const FAT_PLUGIN_CLASSES = [
  { class: "com.acme.connect.AbstractTransform$Value", type: "transform" },
  { class: "com.acme.connect.AcmeSinkConnector", type: "sink" },
  { class: "com.acme.connect.AcmeSourceConnector", type: "source" },
  { class: "io.registry.converter.AvroConverter", type: "converter" },
  { class: "io.registry.converter.ExtJsonConverter", type: "converter" },
  { class: "io.registry.converter.ExtJsonConverter", type: "header-converter" },
  { class: "io.registry.converter.SchemaConverter", type: "converter" },
] as const;
