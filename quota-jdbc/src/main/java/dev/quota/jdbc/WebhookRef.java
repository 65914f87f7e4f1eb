package dev.quota.jdbc;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A webhook as the alert history names it: {@code id}, the first 16 hex digits of the SHA-256 of its
 * configured URL, and {@code url}, that URL without user info, query or fragment. Both are safe to
 * show and to store, since a configured URL may carry credentials, and both stay the same across
 * restarts and reorderings of the configuration; the id also tells apart two webhooks whose URLs
 * differ only in what {@code url} leaves out.
 */
public record WebhookRef(String id, String url) {
  public WebhookRef {
    if (id == null || id.isEmpty() || url == null) {
      throw new IllegalArgumentException("a webhook needs an id and a url");
    }
  }

  /** The reference of the webhook configured with {@code configuredUrl}. */
  public static WebhookRef of(String configuredUrl) {
    return new WebhookRef(digest(configuredUrl), withoutCredentials(configuredUrl));
  }

  /**
   * The URL's origin and the id, for places any key may read (metric labels): a path can hold a
   * token too, as Slack's and Discord's webhook URLs do, so only admins see {@link #url}.
   */
  public String publicLabel() {
    int pathStart = url.indexOf('/', url.indexOf("://") + 3);
    return (pathStart < 0 ? url : url.substring(0, pathStart)) + " " + id;
  }

  private static String digest(String configuredUrl) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(configuredUrl.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      // Every Java runtime ships SHA-256.
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  private static String withoutCredentials(String configuredUrl) {
    URI u = URI.create(configuredUrl);
    return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort())
        + (u.getRawPath() == null ? "" : u.getRawPath());
  }
}
