// Runs many client probes against secured brokers in one JVM: each probe connects with its own
// client properties and tries one operation; the outcome (ok, or the exception class and message
// the client got from the broker) is printed as one JSON line. Compiled and run by probe.ts.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class KilnSecurityProbe {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    for (JsonNode probe : JSON.readTree(Files.readString(Path.of(args[0])))) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("name", probe.get("name").asText());
      try {
        String detail = run(probe, props(probe));
        out.put("ok", true);
        out.put("detail", detail);
      } catch (Throwable t) {
        Throwable cause = t;
        while ((cause instanceof ExecutionException || cause.getClass().getName().endsWith("KafkaException"))
            && cause.getCause() != null) cause = cause.getCause();
        out.put("ok", false);
        out.put("error", cause.getClass().getName());
        out.put("message", String.valueOf(cause.getMessage()));
      }
      System.out.println(JSON.writeValueAsString(out));
      System.out.flush();
    }
  }

  private static Properties props(JsonNode probe) throws Exception {
    Properties p = new Properties();
    if (probe.hasNonNull("config")) {
      try (FileInputStream in = new FileInputStream(probe.get("config").asText())) {
        p.load(in);
      }
    }
    probe.path("overrides").fields().forEachRemaining(e -> {
      if (e.getValue().isNull()) p.remove(e.getKey());
      else p.put(e.getKey(), e.getValue().asText());
    });
    p.putIfAbsent("request.timeout.ms", "10000");
    p.putIfAbsent("default.api.timeout.ms", "15000");
    p.putIfAbsent("reconnect.backoff.max.ms", "1000");
    return p;
  }

  private static String run(JsonNode probe, Properties p) throws Exception {
    String topic = probe.path("topic").asText("");
    switch (probe.get("action").asText()) {
      case "produce" -> {
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        p.putIfAbsent("max.block.ms", "15000");
        p.putIfAbsent("delivery.timeout.ms", "20000");
        p.putIfAbsent("linger.ms", "0");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
          var meta = producer.send(new ProducerRecord<>(topic, "probe", probe.get("name").asText())).get(25, TimeUnit.SECONDS);
          return topic + "-" + meta.partition() + "@" + meta.offset();
        }
      }
      case "consume" -> {
        p.put("key.deserializer", StringDeserializer.class.getName());
        p.put("value.deserializer", StringDeserializer.class.getName());
        p.put("group.id", probe.get("group").asText());
        p.put("auto.offset.reset", "earliest");
        p.put("enable.auto.commit", "false");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
          consumer.subscribe(List.of(topic));
          long deadline = System.currentTimeMillis() + 20_000;
          while (System.currentTimeMillis() < deadline) {
            ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
            if (!records.isEmpty()) {
              consumer.commitSync(Duration.ofSeconds(10));
              return records.count() + " records";
            }
          }
          throw new IllegalStateException("no record within 20 s");
        }
      }
      case "create-topic" -> {
        try (Admin admin = Admin.create(p)) {
          admin.createTopics(List.of(new NewTopic(topic, 1, (short) -1))).all().get(20, TimeUnit.SECONDS);
          return "created " + topic;
        }
      }
      case "describe-cluster" -> {
        try (Admin admin = Admin.create(p)) {
          return admin.describeCluster().nodes().get(20, TimeUnit.SECONDS).size() + " nodes";
        }
      }
      default -> throw new IllegalArgumentException("unknown action " + probe.get("action").asText());
    }
  }
}
