// Kafka client operations for the real-peer suites, run as `java -cp <kafka libs>:<dir> KilnKafkaClients <op> …`.
// Compiled at test time by clients.ts (javac, Java 17). Output: one JSON object per line on stdout.
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class KilnKafkaClients {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    String op = args[0];
    String bootstrap = args[1];
    switch (op) {
      case "create-topic" -> createTopic(bootstrap, args[2], Integer.parseInt(args[3]), Short.parseShort(args[4]),
          args.length > 5 ? args[5] : "");
      case "list-topics" -> listTopics(bootstrap);
      case "describe-topic" -> describeTopic(bootstrap, args[2]);
      case "produce" -> produce(bootstrap, args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]), args[5]);
      case "consume" -> consume(bootstrap, args[2], args[3], Integer.parseInt(args[4]), Long.parseLong(args[5]));
      case "group-offsets" -> groupOffsets(bootstrap, args[2]);
      case "end-offsets" -> endOffsets(bootstrap, args[2]);
      case "create-acl", "delete-acl" -> acl(bootstrap, op.equals("create-acl"), args[2], args[3], args[4], args[5], args[6]);
      case "warm-up" -> warmUp(bootstrap);
      default -> throw new IllegalArgumentException("unknown op " + op);
    }
  }

  private static void print(Map<String, Object> row) throws Exception {
    System.out.println(JSON.writeValueAsString(row));
  }

  /**
   * The bootstrap address and, with -Dkiln.clients.config=<file>, that file's settings
   * (security.protocol, ssl.*, sasl.*): the base of every client.
   */
  private static Properties base(String bootstrap) throws Exception {
    Properties p = new Properties();
    String config = System.getProperty("kiln.clients.config");
    if (config != null) {
      try (var in = Files.newInputStream(Path.of(config))) {
        p.load(in);
      }
    }
    p.put("bootstrap.servers", bootstrap);
    return p;
  }

  /**
   * Makes and closes each client (never connecting) and a TLS engine: run once with
   * -XX:ArchiveClassesAtExit, it archives the classes later calls load (see clients.ts).
   */
  private static void warmUp(String bootstrap) throws Exception {
    javax.net.ssl.SSLContext.getDefault().createSSLEngine();
    Admin.create(base(bootstrap)).close(Duration.ZERO);
    Properties p = base(bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    new KafkaProducer<String, String>(p).close(Duration.ZERO);
    Properties c = base(bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "warm-up");
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    new KafkaConsumer<String, String>(c).close(Duration.ZERO);
    print(Map.of("warm", true));
  }

  private static Admin admin(String bootstrap) throws Exception {
    Properties p = base(bootstrap);
    p.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    p.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    return Admin.create(p);
  }

  /** One ALLOW binding for `principal` on `type:name` (`patternType` LITERAL or PREFIXED), from any host. */
  private static void acl(String bootstrap, boolean create, String principal, String type, String name,
      String patternType, String operation) throws Exception {
    var pattern = new org.apache.kafka.common.resource.ResourcePattern(
        org.apache.kafka.common.resource.ResourceType.valueOf(type), name,
        org.apache.kafka.common.resource.PatternType.valueOf(patternType));
    var entry = new org.apache.kafka.common.acl.AccessControlEntry(principal, "*",
        org.apache.kafka.common.acl.AclOperation.valueOf(operation), org.apache.kafka.common.acl.AclPermissionType.ALLOW);
    var binding = new org.apache.kafka.common.acl.AclBinding(pattern, entry);
    try (Admin a = admin(bootstrap)) {
      if (create) a.createAcls(List.of(binding)).all().get(30, TimeUnit.SECONDS);
      else a.deleteAcls(List.of(binding.toFilter())).all().get(30, TimeUnit.SECONDS);
    }
    print(Map.of("acl", binding.toString()));
  }

  /** assignment: "" (let Kafka place replicas) or "1:2,2:1" (broker ids per partition). */
  private static void createTopic(String bootstrap, String topic, int partitions, short rf, String assignment)
      throws Exception {
    try (Admin a = admin(bootstrap)) {
      NewTopic t;
      if (assignment.isEmpty()) {
        t = new NewTopic(topic, partitions, rf);
      } else {
        Map<Integer, List<Integer>> replicas = new HashMap<>();
        String[] parts = assignment.split(",");
        for (int i = 0; i < parts.length; i++) {
          List<Integer> ids = new ArrayList<>();
          for (String id : parts[i].split(":")) ids.add(Integer.parseInt(id));
          replicas.put(i, ids);
        }
        t = new NewTopic(topic, replicas);
      }
      a.createTopics(List.of(t)).all().get(30, TimeUnit.SECONDS);
    }
  }

  private static void listTopics(String bootstrap) throws Exception {
    try (Admin a = admin(bootstrap)) {
      for (String name : a.listTopics().names().get(30, TimeUnit.SECONDS)) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("topic", name);
        print(row);
      }
    }
  }

  private static void describeTopic(String bootstrap, String topic) throws Exception {
    try (Admin a = admin(bootstrap)) {
      TopicDescription d = a.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
      for (var p : d.partitions()) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("partition", p.partition());
        row.put("leader", p.leader() == null || p.leader().isEmpty() ? -1 : p.leader().id());
        row.put("replicas", p.replicas().stream().map(n -> n.id()).toList());
        row.put("isr", p.isr().stream().map(n -> n.id()).toList());
        print(row);
      }
    }
  }

  /** Records `<prefix>-<i>` (key and value) for i in [from, from + count), acks=all. */
  private static void produce(String bootstrap, String topic, int from, int count, String prefix) throws Exception {
    Properties p = base(bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = from; i < from + count; i++) {
        String v = prefix + "-" + i;
        sent.add(producer.send(new ProducerRecord<>(topic, v, v)));
      }
      producer.flush();
      // A refused write (authorization, a closed topic) fails the command with the broker's error.
      for (Future<RecordMetadata> f : sent) f.get(60, TimeUnit.SECONDS);
    }
  }

  /**
   * Reads up to `max` records of the comma-separated topics as group `group` (from the committed
   * offsets, else the earliest), commits exactly what it printed, and stops at `max` or after
   * `timeoutMs` with nothing new.
   */
  private static void consume(String bootstrap, String topics, String group, int max, long timeoutMs)
      throws Exception {
    Properties p = base(bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
      c.subscribe(Arrays.asList(topics.split(",")));
      int seen = 0;
      long idleSince = System.currentTimeMillis();
      while (seen < max && System.currentTimeMillis() - idleSince < timeoutMs) {
        var records = c.poll(Duration.ofMillis(200));
        if (records.isEmpty()) continue;
        idleSince = System.currentTimeMillis();
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        for (ConsumerRecord<String, String> r : records) {
          if (seen >= max) break;
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("topic", r.topic());
          row.put("partition", r.partition());
          row.put("offset", r.offset());
          row.put("key", r.key());
          row.put("value", r.value());
          row.put("headers", r.headers().toArray().length);
          print(row);
          commit.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
          seen++;
        }
        c.commitSync(commit);
      }
    }
  }

  private static void groupOffsets(String bootstrap, String group) throws Exception {
    try (Admin a = admin(bootstrap)) {
      var offsets = a.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
      for (var e : offsets.entrySet()) {
        if (e.getValue() == null) continue;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("topic", e.getKey().topic());
        row.put("partition", e.getKey().partition());
        row.put("offset", e.getValue().offset());
        print(row);
      }
    }
  }

  private static void endOffsets(String bootstrap, String topic) throws Exception {
    try (Admin a = admin(bootstrap)) {
      TopicDescription d = a.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
      Map<TopicPartition, OffsetSpec> req = new HashMap<>();
      for (var p : d.partitions()) req.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> res =
          a.listOffsets(req).all().get(30, TimeUnit.SECONDS);
      for (var e : res.entrySet()) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("topic", topic);
        row.put("partition", e.getKey().partition());
        row.put("offset", e.getValue().offset());
        print(row);
      }
    }
  }
}
