// A Kafka Exporter-compatible lag exporter for the real-peer suites: the metric and label names
// of danielqsj/kafka_exporter (which Strimzi deploys as `spec.kafkaExporter`), computed on every
// scrape with Kafka's Admin client. Run as `java … KilnLagExporter <bootstrap> <host:port> [client.properties]`.
// Stands in for kafka_exporter because that module cannot be fetched through the Go module proxy here.
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

public final class KilnLagExporter {
  private final Admin admin;

  private KilnLagExporter(String bootstrap, Properties client) {
    Properties p = new Properties();
    p.putAll(client);
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
    p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 200);
    this.admin = Admin.create(p);
  }

  public static void main(String[] args) throws Exception {
    // Optional third argument: client properties (TLS and the exporter's identity), as Strimzi's
    // Kafka Exporter connects to the replication listener with its own certificate.
    Properties client = new Properties();
    if (args.length > 2) {
      try (java.io.Reader r = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of(args[2]))) {
        client.load(r);
      }
    }
    KilnLagExporter exporter = new KilnLagExporter(args[0], client);
    String[] listen = args[1].split(":");
    HttpServer server = HttpServer.create(new InetSocketAddress(listen[0], Integer.parseInt(listen[1])), 16);
    server.createContext("/metrics", ex -> {
      byte[] body;
      int status = 200;
      try {
        body = exporter.scrape().getBytes(StandardCharsets.UTF_8);
      } catch (Exception e) {
        status = 500;
        body = ("scrape failed: " + e).getBytes(StandardCharsets.UTF_8);
      }
      ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      ex.sendResponseHeaders(status, body.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(body);
      }
    });
    server.createContext("/", ex -> {
      byte[] body = "kiln lag exporter: /metrics\n".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(body);
      }
    });
    server.start();
    System.out.println("listening on " + args[1]);
  }

  /** One metric family: HELP, TYPE and its samples. */
  private static final class Family {
    final String name;
    final String help;
    final List<String> samples = new ArrayList<>();

    Family(String name, String help) {
      this.name = name;
      this.help = help;
    }

    void add(double value, String... labels) {
      StringBuilder sb = new StringBuilder(name);
      if (labels.length > 0) {
        sb.append('{');
        for (int i = 0; i < labels.length; i += 2) {
          if (i > 0) sb.append(',');
          sb.append(labels[i]).append("=\"").append(escape(labels[i + 1])).append('"');
        }
        sb.append('}');
      }
      sb.append(' ').append(value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value));
      samples.add(sb.toString());
    }

    void write(StringBuilder out) {
      out.append("# HELP ").append(name).append(' ').append(help).append('\n');
      out.append("# TYPE ").append(name).append(" gauge\n");
      for (String s : samples) out.append(s).append('\n');
    }
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private synchronized String scrape() throws Exception {
    Map<String, Family> f = new TreeMap<>();
    Family brokers = fam(f, "kafka_brokers", "Number of Brokers in the Kafka Cluster.");
    Family partitions = fam(f, "kafka_topic_partitions", "Number of partitions for this Topic");
    Family current = fam(f, "kafka_topic_partition_current_offset", "Current Offset of a Broker at Topic/Partition");
    Family oldest = fam(f, "kafka_topic_partition_oldest_offset", "Oldest Offset of a Broker at Topic/Partition");
    Family leader = fam(f, "kafka_topic_partition_leader", "Leader Broker ID of this Topic/Partition");
    Family replicas = fam(f, "kafka_topic_partition_replicas", "Number of Replicas for this Topic/Partition");
    Family isr = fam(f, "kafka_topic_partition_in_sync_replica", "Number of In-Sync Replicas for this Topic/Partition");
    Family preferred = fam(f, "kafka_topic_partition_leader_is_preferred", "1 if Topic/Partition is using the Preferred Broker");
    Family under = fam(f, "kafka_topic_partition_under_replicated_partition", "1 if Topic/Partition is under Replicated");
    Family groupOffset = fam(f, "kafka_consumergroup_current_offset", "Current Offset of a ConsumerGroup at Topic/Partition");
    Family groupOffsetSum = fam(f, "kafka_consumergroup_current_offset_sum", "Current Offset of a ConsumerGroup at Topic for all partitions");
    Family lag = fam(f, "kafka_consumergroup_lag", "Current Approximate Lag of a ConsumerGroup at Topic/Partition");
    Family lagSum = fam(f, "kafka_consumergroup_lag_sum", "Current Approximate Lag of a ConsumerGroup at Topic for all partitions");
    Family members = fam(f, "kafka_consumergroup_members", "Amount of members in a consumer group");

    brokers.add(admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size());

    Collection<String> topics = admin.listTopics().names().get(5, TimeUnit.SECONDS);
    Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get(5, TimeUnit.SECONDS);
    Map<TopicPartition, OffsetSpec> latestReq = new HashMap<>();
    Map<TopicPartition, OffsetSpec> earliestReq = new HashMap<>();
    for (TopicDescription d : described.values()) {
      partitions.add(d.partitions().size(), "topic", d.name());
      for (TopicPartitionInfo p : d.partitions()) {
        String part = Integer.toString(p.partition());
        boolean hasLeader = p.leader() != null && !p.leader().isEmpty();
        leader.add(hasLeader ? p.leader().id() : -1, "topic", d.name(), "partition", part);
        replicas.add(p.replicas().size(), "topic", d.name(), "partition", part);
        isr.add(p.isr().size(), "topic", d.name(), "partition", part);
        boolean pref = hasLeader && !p.replicas().isEmpty() && p.replicas().get(0).id() == p.leader().id();
        preferred.add(pref ? 1 : 0, "topic", d.name(), "partition", part);
        under.add(p.isr().size() < p.replicas().size() ? 1 : 0, "topic", d.name(), "partition", part);
        // Offsets of a leaderless partition cannot be read (kafka_exporter skips them too).
        if (hasLeader) {
          TopicPartition tp = new TopicPartition(d.name(), p.partition());
          latestReq.put(tp, OffsetSpec.latest());
          earliestReq.put(tp, OffsetSpec.earliest());
        }
      }
    }
    Map<TopicPartition, Long> latest = offsets(latestReq);
    for (var e : latest.entrySet())
      current.add(e.getValue(), "topic", e.getKey().topic(), "partition", Integer.toString(e.getKey().partition()));
    for (var e : offsets(earliestReq).entrySet())
      oldest.add(e.getValue(), "topic", e.getKey().topic(), "partition", Integer.toString(e.getKey().partition()));

    List<String> groups = new ArrayList<>();
    for (ConsumerGroupListing g : admin.listConsumerGroups().all().get(5, TimeUnit.SECONDS)) groups.add(g.groupId());
    if (!groups.isEmpty()) {
      var descriptions = admin.describeConsumerGroups(groups).all().get(5, TimeUnit.SECONDS);
      for (String g : groups) {
        var d = descriptions.get(g);
        members.add(d == null ? 0 : d.members().size(), "consumergroup", g);
        Map<TopicPartition, OffsetAndMetadata> committed =
            admin.listConsumerGroupOffsets(g).partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
        Map<String, long[]> sums = new TreeMap<>();
        for (var e : committed.entrySet()) {
          if (e.getValue() == null) continue;
          TopicPartition tp = e.getKey();
          long off = e.getValue().offset();
          String part = Integer.toString(tp.partition());
          groupOffset.add(off, "consumergroup", g, "topic", tp.topic(), "partition", part);
          long[] s = sums.computeIfAbsent(tp.topic(), k -> new long[2]);
          s[0] += off;
          Long end = latest.get(tp);
          if (end != null && off >= 0) {
            lag.add(end - off, "consumergroup", g, "topic", tp.topic(), "partition", part);
            s[1] += end - off;
          }
        }
        for (var e : sums.entrySet()) {
          groupOffsetSum.add(e.getValue()[0], "consumergroup", g, "topic", e.getKey());
          lagSum.add(e.getValue()[1], "consumergroup", g, "topic", e.getKey());
        }
      }
    }
    StringBuilder out = new StringBuilder();
    for (Family fam : f.values()) fam.write(out);
    return out.toString();
  }

  private static Family fam(Map<String, Family> f, String name, String help) {
    return f.computeIfAbsent(name, n -> new Family(n, help));
  }

  private Map<TopicPartition, Long> offsets(Map<TopicPartition, OffsetSpec> req) {
    Map<TopicPartition, Long> out = new HashMap<>();
    if (req.isEmpty()) return out;
    ListOffsetsResult res = admin.listOffsets(req);
    for (TopicPartition tp : req.keySet()) {
      try {
        out.put(tp, res.partitionResult(tp).get(5, TimeUnit.SECONDS).offset());
      } catch (Exception e) {
        // A partition whose leader just went away: skipped for this scrape.
      }
    }
    return out;
  }
}
