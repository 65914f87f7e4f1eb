package dev.quota.server.auth;

import dev.quota.ValidationException;
import io.javalin.security.RouteRole;
import java.util.Locale;

/**
 * What an API key may do. {@code ADMIN}: everything. {@code SERVICE}: decisions, settlements and
 * usage (record and read). {@code VIEWER}: reads usage and cost reports of its own subjects only.
 */
public enum Role implements RouteRole {
  ADMIN,
  SERVICE,
  VIEWER;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Role fromWire(String field, String text) {
    for (Role r : values()) {
      if (r.wireName().equals(text)) {
        return r;
      }
    }
    throw new ValidationException(field, "must be admin, service or viewer");
  }
}
