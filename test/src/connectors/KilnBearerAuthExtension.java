import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.connect.rest.ConnectRestExtension;
import org.apache.kafka.connect.rest.ConnectRestExtensionContext;

/**
 * Test fixture: a Connect REST extension that requires {@code Authorization: Bearer <token>},
 * the token being the worker property {@code kiln.test.bearer.token}. Kafka ships Basic auth
 * only; production clusters put bearer auth in front of Connect the same way, as an extension.
 */
public class KilnBearerAuthExtension implements ConnectRestExtension {
  // Worker-to-worker task config and fencing requests, which Connect signs itself.
  private static final Pattern INTERNAL = Pattern.compile("^/?connectors/[^/]+/(tasks|fence)/?$");
  private String token;

  @Override
  public void configure(Map<String, ?> configs) {
    Object t = configs.get("kiln.test.bearer.token");
    if (t == null) throw new IllegalArgumentException("kiln.test.bearer.token is required");
    token = t.toString();
  }

  @Override
  public void register(ConnectRestExtensionContext context) {
    context.configurable().register(new Filter(token));
  }

  @Override
  public void close() {}

  @Override
  public String version() {
    return "1";
  }

  @Priority(Priorities.AUTHENTICATION)
  public static class Filter implements ContainerRequestFilter {
    private final String expected;

    Filter(String token) {
      this.expected = "Bearer " + token;
    }

    @Override
    public void filter(ContainerRequestContext request) {
      String method = request.getMethod();
      boolean internal =
          ("POST".equals(method) || "PUT".equals(method))
              && INTERNAL.matcher(request.getUriInfo().getPath()).matches();
      if (internal || expected.equals(request.getHeaderString("Authorization"))) return;
      request.abortWith(
          Response.status(Response.Status.UNAUTHORIZED)
              .type(MediaType.APPLICATION_JSON)
              .entity("{\"error_code\":401,\"message\":\"a valid bearer token is required\"}")
              .build());
    }
  }
}
