import { describe, expect, it } from "vitest";
import { required } from "../harness/inject.js";

// The shared Kafka/Connect harness itself: two workers, one group, FileStream plugins visible.
describe("connect service", () => {
  it("runs two workers of one group with the FileStream plugins", async () => {
    const urls = required("connectUrls").split(",");
    expect(urls).toHaveLength(2);
    for (const url of urls) {
      const root = (await (await fetch(`${url}/`)).json()) as { version: string; kafka_cluster_id: string };
      expect(root.version).toBe(required("kafkaVersion"));
      const plugins = (await (await fetch(`${url}/connector-plugins`)).json()) as Array<{ class: string }>;
      expect(plugins.map((p) => p.class)).toEqual(
        expect.arrayContaining([
          "org.apache.kafka.connect.file.FileStreamSinkConnector",
          "org.apache.kafka.connect.file.FileStreamSourceConnector",
        ]),
      );
    }
  });
});
