package dev.quota.server.alerts;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code X-Quota-Signature} header: {@code sha256=} and the lowercase hex HMAC-SHA256 of the
 * exact request body under the webhook's secret. A receiver recomputes it over the raw bytes it
 * received and compares in constant time.
 */
public final class WebhookSignature {
  public static final String HEADER = "X-Quota-Signature";

  private WebhookSignature() {}

  public static String sign(String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      // Every Java runtime ships HmacSHA256, and any non-empty key is valid for it.
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
  }
}
