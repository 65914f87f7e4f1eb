package dev.quota.jdbc;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The settings an H2 database needs here, added to an H2 URL that leaves them out: the same for
 * the embedded database in the data directory and for one named by its URL.
 *
 * <p>{@code WRITE_DELAY=0} writes every commit through before it returns, so a killed process never
 * loses an acknowledged ledger row (H2's default delays the write by half a second).
 * {@code DB_CLOSE_ON_EXIT=FALSE} leaves closing to the owner ({@link Database#close}), in order with
 * the server's own shutdown. The other three make H2 read the schema's SQL as the migrations and
 * queries are written.
 */
final class H2Url {
  private static final Map<String, String> REQUIRED = new LinkedHashMap<>();

  static {
    REQUIRED.put("MODE", "PostgreSQL");
    REQUIRED.put("DATABASE_TO_LOWER", "TRUE");
    REQUIRED.put("DEFAULT_NULL_ORDERING", "HIGH");
    REQUIRED.put("WRITE_DELAY", "0");
    REQUIRED.put("DB_CLOSE_ON_EXIT", "FALSE");
  }

  private H2Url() {}

  /**
   * Null if {@code url} sets none of the required settings to another value, else the rule it
   * breaks, naming the setting.
   */
  static String problem(String url) {
    Map<String, String> given = settings(url);
    for (Map.Entry<String, String> r : REQUIRED.entrySet()) {
      String value = given.get(r.getKey());
      if (value != null && !value.equalsIgnoreCase(r.getValue())) {
        return "an H2 URL must leave out " + r.getKey() + " or set it to " + r.getValue() + ", got " + value
            + (r.getKey().equals("WRITE_DELAY") ? " (a delayed write loses acknowledged spend when the server is killed)" : "");
      }
    }
    return null;
  }

  /**
   * {@code url} with the required settings it leaves out appended.
   *
   * @throws IllegalArgumentException if it sets one to another value ({@link #problem})
   */
  static String completed(String url) {
    String problem = problem(url);
    if (problem != null) {
      throw new IllegalArgumentException("jdbc url: " + problem);
    }
    Map<String, String> given = settings(url);
    StringBuilder out = new StringBuilder(url);
    REQUIRED.forEach((key, value) -> {
      if (!given.containsKey(key)) {
        out.append(';').append(key).append('=').append(value);
      }
    });
    return out.toString();
  }

  /** The settings after the URL's first {@code ;}, by upper-case name (H2 ignores their case). */
  private static Map<String, String> settings(String url) {
    Map<String, String> out = new LinkedHashMap<>();
    String[] parts = url.split(";");
    for (int i = 1; i < parts.length; i++) {
      int eq = parts[i].indexOf('=');
      if (eq > 0) {
        out.put(parts[i].substring(0, eq).trim().toUpperCase(Locale.ROOT), parts[i].substring(eq + 1).trim());
      }
    }
    return out;
  }
}
