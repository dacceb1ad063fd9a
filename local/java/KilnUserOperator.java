// What Strimzi's User Operator does for a local cluster, through Kafka's Admin API:
// waits for the brokers, then upserts SCRAM-SHA-512 credentials, creates ACL bindings and sets
// client quotas. Run by kiln as `java -cp <kafka libs>:<dir> KilnUserOperator <admin.properties> <plan.json>`;
// prints one JSON line with what it did, or the error on stderr and exits 1.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

public final class KilnUserOperator {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    Properties config = new Properties();
    try (FileInputStream in = new FileInputStream(args[0])) {
      config.load(in);
    }
    JsonNode plan = JSON.readTree(Files.readString(Path.of(args[1])));
    long deadline = System.currentTimeMillis() + plan.path("timeoutMs").asLong(120_000);
    try (Admin admin = Admin.create(config)) {
      awaitBrokers(admin, plan.path("brokers").asInt(1), deadline);

      List<UserScramCredentialAlteration> scram = new ArrayList<>();
      for (JsonNode u : plan.path("scram")) {
        byte[] password = Files.readString(Path.of(u.get("passwordFile").asText())).getBytes(StandardCharsets.UTF_8);
        scram.add(new UserScramCredentialUpsertion(
            u.get("user").asText(), new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password));
      }
      if (!scram.isEmpty()) retry(() -> admin.alterUserScramCredentials(scram).all().get(), deadline);

      List<AclBinding> acls = new ArrayList<>();
      for (JsonNode a : plan.path("acls")) {
        acls.add(new AclBinding(
            new ResourcePattern(ResourceType.valueOf(a.get("resourceType").asText()), a.get("name").asText(),
                PatternType.valueOf(a.get("patternType").asText())),
            new AccessControlEntry(a.get("principal").asText(), a.get("host").asText(),
                AclOperation.valueOf(a.get("operation").asText()),
                AclPermissionType.valueOf(a.get("permission").asText()))));
      }
      if (!acls.isEmpty()) retry(() -> admin.createAcls(acls).all().get(), deadline);

      List<ClientQuotaAlteration> quotas = new ArrayList<>();
      for (JsonNode q : plan.path("quotas")) {
        List<ClientQuotaAlteration.Op> ops = new ArrayList<>();
        q.get("quotas").fields().forEachRemaining(e -> ops.add(new ClientQuotaAlteration.Op(e.getKey(), e.getValue().asDouble())));
        quotas.add(new ClientQuotaAlteration(new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, q.get("user").asText())), ops));
      }
      if (!quotas.isEmpty()) retry(() -> admin.alterClientQuotas(quotas).all().get(), deadline);

      Map<String, Object> done = new LinkedHashMap<>();
      done.put("scram", scram.size());
      done.put("acls", acls.size());
      done.put("quotas", quotas.size());
      System.out.println(JSON.writeValueAsString(done));
    } catch (Exception e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      System.err.println(cause.getClass().getName() + ": " + cause.getMessage());
      System.exit(1);
    }
  }

  /** Until the cluster reports `brokers` brokers: the metadata of a new cluster takes a moment to settle. */
  private static void awaitBrokers(Admin admin, int brokers, long deadline) throws Exception {
    for (;;) {
      try {
        int seen = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
        if (seen >= brokers) return;
      } catch (ExecutionException | TimeoutException e) {
        // A busy machine may take longer than one wait to answer: try again until the deadline.
        if (System.currentTimeMillis() > deadline) throw e;
      }
      if (System.currentTimeMillis() > deadline)
        throw new IllegalStateException("fewer than " + brokers + " brokers registered before the deadline");
      Thread.sleep(500);
    }
  }

  interface Call {
    void run() throws Exception;
  }

  /** Retries calls that fail while a new cluster's controller is still being elected. */
  private static void retry(Call call, long deadline) throws Exception {
    for (;;) {
      try {
        call.run();
        return;
      } catch (ExecutionException e) {
        boolean retriable = e.getCause() instanceof org.apache.kafka.common.errors.RetriableException;
        if (!retriable || System.currentTimeMillis() > deadline) throw e;
        Thread.sleep(500);
      }
    }
  }
}
