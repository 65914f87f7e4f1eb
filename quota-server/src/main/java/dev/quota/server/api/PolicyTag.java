package dev.quota.server.api;

import dev.quota.Policy;
import dev.quota.jdbc.json.PolicyJson;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A policy's entity tag (RFC 9110, section 8.8.3): a strong validator made from its content alone,
 * the first 128 bits of the SHA-256 of its canonical JSON, quoted. {@link PolicyJson#write} is
 * canonical (one spelling per policy: amounts, thresholds and zones normalized, defaults left out,
 * fields in one order), so equal policies have equal tags on every server and after every
 * restart, and a tag needs nothing stored beside the policy.
 */
final class PolicyTag {
  static final String HEADER = "ETag";
  private static final int BYTES = 16;

  private PolicyTag() {}

  /** The tag of {@code policy} as a header carries it, with its quotes. */
  static String of(Policy policy) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(PolicyJson.write(policy).getBytes(StandardCharsets.UTF_8));
      return '"' + HexFormat.of().formatHex(hash, 0, BYTES) + '"';
    } catch (NoSuchAlgorithmException e) {
      // Every Java runtime ships SHA-256.
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
