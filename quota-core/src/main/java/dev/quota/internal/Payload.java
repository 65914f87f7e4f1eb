package dev.quota.internal;

import dev.quota.Money;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the engine files with a reservation so that whichever process commits it can write the
 * ledger row: the subjects, the estimate, the idempotency key and the currency of the budgets that
 * hold it ({@link dev.quota.ledger.SpendCurrency}; null for none). A form-encoded line, opaque to
 * stores.
 */
public record Payload(Map<String, String> subjects, Money estimate, String idempotencyKey, String currency) {

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
    for (String pair : text.split("&")) {
      int eq = pair.indexOf('=');
      String name = pair.substring(0, eq);
      String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      switch (name) {
        case "~estimate" -> estimate = Long.parseLong(value);
        case "~key" -> key = value;
        case "~currency" -> currency = value;
        default -> subjects.put(name, value);
      }
    }
    return new Payload(subjects, Money.ofNanos(estimate), key, currency);
  }

  /** Escapes only what the format itself uses ('%', '&', '='); identifiers are otherwise kept as they are. */
  private static String enc(String s) {
    if (s.indexOf('%') < 0 && s.indexOf('&') < 0 && s.indexOf('=') < 0 && s.indexOf('+') < 0) {
      return s;
    }
    return s.replace("%", "%25").replace("&", "%26").replace("=", "%3D").replace("+", "%2B");
  }
}
