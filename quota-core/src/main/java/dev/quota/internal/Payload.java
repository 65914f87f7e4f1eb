package dev.quota.internal;

import dev.quota.Money;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the engine files with a reservation so that whichever process commits it can write the
 * ledger row, and anyone can be told what it holds: the subjects, the estimate, the idempotency key,
 * the currency of the budgets that hold it ({@link dev.quota.ledger.SpendCurrency}; null for none)
 * and the meters it reserved (empty if filed by a version that kept none). A form-encoded line,
 * opaque to stores. Fields are named with a leading '~', which no scope name has; one this version
 * does not know (filed by a later one) is skipped rather than read as a subject.
 */
public record Payload(
    Map<String, String> subjects, Money estimate, String idempotencyKey, String currency, Map<String, Long> meters) {

  public Payload {
    meters = meters == null ? Map.of() : meters;
  }

  /** A payload without meters. */
  public Payload(Map<String, String> subjects, Money estimate, String idempotencyKey, String currency) {
    this(subjects, estimate, idempotencyKey, currency, Map.of());
  }

  /** A payload whose reservation no budget of one currency holds. */
  public Payload(Map<String, String> subjects, Money estimate, String idempotencyKey) {
    this(subjects, estimate, idempotencyKey, null);
  }

  public String encode() {
    StringBuilder sb = new StringBuilder(40 + 32 * subjects.size()); // sized for the usual line: grown rarely
    sb.append("~estimate=").append(estimate.nanos());
    if (idempotencyKey != null) {
      sb.append("&~key=").append(enc(idempotencyKey));
    }
    if (currency != null) {
      // Three capital letters (a budget's currency): nothing to escape.
      sb.append("&~currency=").append(currency);
    }
    if (!meters.isEmpty()) {
      // Meter names are lowercase letters, digits and '_': nothing to escape.
      sb.append("&~meters=");
      char sep = 0;
      for (Map.Entry<String, Long> m : meters.entrySet()) {
        if (sep != 0) {
          sb.append(sep);
        }
        sb.append(m.getKey()).append(':').append(m.getValue());
        sep = ',';
      }
    }
    for (Map.Entry<String, String> e : subjects.entrySet()) {
      sb.append('&').append(e.getKey()).append('=').append(enc(e.getValue()));
    }
    return sb.toString();
  }

  public static Payload decode(String text) {
    Map<String, String> subjects = new TreeMap<>();
    long estimate = 0;
    String key = null;
    String currency = null;
    Map<String, Long> meters = Map.of();
    for (String pair : text.split("&")) {
      int eq = pair.indexOf('=');
      String name = pair.substring(0, eq);
      String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      switch (name) {
        case "~estimate" -> estimate = Long.parseLong(value);
        case "~key" -> key = value;
        case "~currency" -> currency = value;
        case "~meters" -> meters = meters(value);
        default -> {
          if (!name.startsWith("~")) {
            subjects.put(name, value);
          }
        }
      }
    }
    return new Payload(subjects, Money.ofNanos(estimate), key, currency, meters);
  }

  private static Map<String, Long> meters(String value) {
    Map<String, Long> meters = new TreeMap<>();
    for (String m : value.split(",")) {
      int colon = m.indexOf(':');
      meters.put(m.substring(0, colon), Long.parseLong(m.substring(colon + 1)));
    }
    return meters;
  }

  /** Escapes only what the format itself uses ('%', '&', '='); identifiers are otherwise kept as they are. */
  private static String enc(String s) {
    if (s.indexOf('%') < 0 && s.indexOf('&') < 0 && s.indexOf('=') < 0 && s.indexOf('+') < 0) {
      return s;
    }
    return s.replace("%", "%25").replace("&", "%26").replace("=", "%3D").replace("+", "%2B");
  }
}
