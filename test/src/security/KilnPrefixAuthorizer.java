// A custom authorizer for the security suite: super-users may do anything; anyone else only what
// touches topics and groups whose names start with `kiln.test.allowed.prefix`, plus describing
// the cluster. Everything else is denied — and logged, like Kafka's own authorizer.
package dev.kiln.test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.apache.kafka.common.Endpoint;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.server.authorizer.AclCreateResult;
import org.apache.kafka.server.authorizer.AclDeleteResult;
import org.apache.kafka.server.authorizer.Action;
import org.apache.kafka.server.authorizer.AuthorizableRequestContext;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.apache.kafka.server.authorizer.Authorizer;
import org.apache.kafka.server.authorizer.AuthorizerServerInfo;

public final class KilnPrefixAuthorizer implements Authorizer {
  private Set<String> superUsers = Set.of();
  private String prefix = "\u0000";

  @Override
  public void configure(Map<String, ?> configs) {
    Object su = configs.get("super.users");
    if (su != null) superUsers = Arrays.stream(su.toString().split(";")).map(String::trim).collect(Collectors.toSet());
    Object p = configs.get("kiln.test.allowed.prefix");
    if (p != null) prefix = p.toString();
  }

  @Override
  public Map<Endpoint, ? extends CompletionStage<Void>> start(AuthorizerServerInfo info) {
    return info.endpoints().stream().collect(Collectors.toMap(e -> e, e -> CompletableFuture.completedFuture(null)));
  }

  @Override
  public List<AuthorizationResult> authorize(AuthorizableRequestContext ctx, List<Action> actions) {
    boolean superUser = superUsers.contains(ctx.principal().toString());
    return actions.stream().map(a -> {
      boolean allowed = superUser
          || ((a.resourcePattern().resourceType() == ResourceType.TOPIC || a.resourcePattern().resourceType() == ResourceType.GROUP)
              && a.resourcePattern().name().startsWith(prefix))
          || (a.resourcePattern().resourceType() == ResourceType.CLUSTER
              && (a.operation() == AclOperation.DESCRIBE || a.operation() == AclOperation.IDEMPOTENT_WRITE));
      if (!allowed && a.logIfDenied())
        System.out.println("KilnPrefixAuthorizer DENIED " + ctx.principal() + " " + a.operation() + " " + a.resourcePattern());
      return allowed ? AuthorizationResult.ALLOWED : AuthorizationResult.DENIED;
    }).collect(Collectors.toList());
  }

  @Override
  public List<? extends CompletionStage<AclCreateResult>> createAcls(AuthorizableRequestContext ctx, List<AclBinding> acls) {
    throw new UnsupportedOperationException("KilnPrefixAuthorizer has no ACLs");
  }

  @Override
  public List<? extends CompletionStage<AclDeleteResult>> deleteAcls(AuthorizableRequestContext ctx, List<AclBindingFilter> filters) {
    throw new UnsupportedOperationException("KilnPrefixAuthorizer has no ACLs");
  }

  @Override
  public Iterable<AclBinding> acls(AclBindingFilter filter) {
    return List.of();
  }

  @Override
  public void close() {}
}
