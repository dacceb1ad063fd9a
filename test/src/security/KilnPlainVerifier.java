// A custom SASL/PLAIN server callback handler for the security suite: accepts a user whose
// password's SHA-256 matches the `users.file` named in the listener's JAAS options
// (lines `user:hex`), so no password is written in clear anywhere.
package dev.kiln.test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.plain.PlainAuthenticateCallback;

public final class KilnPlainVerifier implements AuthenticateCallbackHandler {
  private final Map<String, String> hashes = new HashMap<>();

  @Override
  public void configure(Map<String, ?> configs, String mechanism, List<AppConfigurationEntry> jaas) {
    Object file = jaas.get(0).getOptions().get("users.file");
    if (file == null) throw new IllegalArgumentException("KilnPlainVerifier needs the JAAS option users.file");
    try {
      for (String line : Files.readAllLines(Path.of(file.toString()))) {
        int colon = line.indexOf(':');
        if (colon > 0) hashes.put(line.substring(0, colon), line.substring(colon + 1).trim());
      }
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot read " + file, e);
    }
  }

  @Override
  public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
    String username = null;
    for (Callback c : callbacks) {
      if (c instanceof NameCallback name) username = name.getDefaultName();
      else if (c instanceof PlainAuthenticateCallback plain) {
        String expected = username == null ? null : hashes.get(username);
        plain.authenticated(expected != null && expected.equals(sha256(new String(plain.password()))));
      } else throw new UnsupportedCallbackException(c);
    }
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {}
}
