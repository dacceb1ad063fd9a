// Stands in for Cruise Control's executor (not available from the registries reached here) with
// Kafka's own admin API, over a client properties file (the topic operator's super-user):
//   create <topic> <partitions> <replicationFactor>
//   placement                    one JSON line per partition: topic, partition, replicas, isr, leader
//   move-off <id,id,...>         reassigns every replica on those brokers to the remaining brokers
//                                (alterPartitionReassignments), waits until no reassignment is in
//                                flight, and prints {"moved": n}
//   produce <topic> <count> / consume <topic> <group> <count>   acks=all writes, reads from the start
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class KilnRemoveBrokers {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    Properties p = new Properties();
    try (FileInputStream in = new FileInputStream(args[0])) {
      p.load(in);
    }
    p.putIfAbsent("request.timeout.ms", "15000");
    switch (args[1]) {
      case "create" -> {
        try (Admin admin = Admin.create(p)) {
          admin.createTopics(List.of(new NewTopic(args[2], Integer.parseInt(args[3]), Short.parseShort(args[4]))))
              .all().get();
        }
      }
      case "placement" -> {
        try (Admin admin = Admin.create(p)) {
          for (Map.Entry<TopicPartition, TopicPartitionInfo> e : placement(admin).entrySet()) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("topic", e.getKey().topic());
            out.put("partition", e.getKey().partition());
            out.put("replicas", ids(e.getValue().replicas()));
            out.put("isr", ids(e.getValue().isr()));
            out.put("leader", e.getValue().leader() == null ? -1 : e.getValue().leader().id());
            System.out.println(JSON.writeValueAsString(out));
          }
        }
      }
      case "move-off" -> {
        Set<Integer> leaving = List.of(args[2].split(",")).stream().map(Integer::parseInt).collect(Collectors.toSet());
        try (Admin admin = Admin.create(p)) {
          System.out.println(JSON.writeValueAsString(Map.of("moved", moveOff(admin, leaving))));
        }
      }
      case "produce" -> {
        Properties c = new Properties();
        c.putAll(p);
        c.put("acks", "all");
        try (KafkaProducer<String, String> producer =
            new KafkaProducer<>(c, new StringSerializer(), new StringSerializer())) {
          for (int i = 0; i < Integer.parseInt(args[3]); i++)
            producer.send(new ProducerRecord<>(args[2], "k" + i, "v" + i)).get();
        }
        System.out.println(JSON.writeValueAsString(Map.of("produced", Integer.parseInt(args[3]))));
      }
      case "consume" -> {
        Properties c = new Properties();
        c.putAll(p);
        c.put("group.id", args[3]);
        c.put("auto.offset.reset", "earliest");
        int want = Integer.parseInt(args[4]);
        int got = 0;
        try (KafkaConsumer<String, String> consumer =
            new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
          consumer.subscribe(List.of(args[2]));
          long deadline = System.currentTimeMillis() + 60_000;
          while (got < want && System.currentTimeMillis() < deadline) {
            ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
            got += records.count();
          }
        }
        System.out.println(JSON.writeValueAsString(Map.of("consumed", got)));
      }
      default -> throw new IllegalArgumentException("unknown command " + args[1]);
    }
  }

  private static List<Integer> ids(List<Node> nodes) {
    return nodes.stream().map(Node::id).collect(Collectors.toList());
  }

  private static Map<TopicPartition, TopicPartitionInfo> placement(Admin admin) throws Exception {
    Set<String> topics = admin.listTopics().names().get();
    Map<TopicPartition, TopicPartitionInfo> out = new TreeMap<>(
        Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
    for (TopicDescription d : admin.describeTopics(topics).allTopicNames().get().values())
      for (TopicPartitionInfo i : d.partitions()) out.put(new TopicPartition(d.name(), i.partition()), i);
    return out;
  }

  /** Each replica on a leaving broker goes to the least loaded remaining broker not yet holding the partition. */
  private static int moveOff(Admin admin, Set<Integer> leaving) throws Exception {
    List<Integer> remaining = admin.describeCluster().nodes().get().stream().map(Node::id)
        .filter(id -> !leaving.contains(id)).sorted().collect(Collectors.toList());
    Map<TopicPartition, TopicPartitionInfo> placement = placement(admin);
    Map<Integer, Integer> load = new HashMap<>();
    for (int id : remaining) load.put(id, 0);
    for (TopicPartitionInfo i : placement.values())
      for (Node n : i.replicas()) load.computeIfPresent(n.id(), (k, v) -> v + 1);
    Map<TopicPartition, Optional<NewPartitionReassignment>> moves = new LinkedHashMap<>();
    for (Map.Entry<TopicPartition, TopicPartitionInfo> e : placement.entrySet()) {
      List<Integer> replicas = new ArrayList<>(ids(e.getValue().replicas()));
      if (replicas.stream().noneMatch(leaving::contains)) continue;
      for (int i = 0; i < replicas.size(); i++) {
        if (!leaving.contains(replicas.get(i))) continue;
        List<Integer> holding = replicas;
        int target = remaining.stream().filter(id -> !holding.contains(id))
            .min(Comparator.comparingInt(load::get)).orElseThrow(
                () -> new IllegalStateException("no broker left for " + e.getKey()));
        load.merge(target, 1, Integer::sum);
        replicas.set(i, target);
      }
      moves.put(e.getKey(), Optional.of(new NewPartitionReassignment(replicas)));
    }
    if (moves.isEmpty()) return 0;
    admin.alterPartitionReassignments(moves).all().get();
    long deadline = System.currentTimeMillis() + 120_000;
    while (!admin.listPartitionReassignments().reassignments().get().isEmpty()) {
      if (System.currentTimeMillis() > deadline) throw new IllegalStateException("reassignment did not finish in 120 s");
      Thread.sleep(250);
    }
    return moves.size();
  }
}
