package dev.quota.plan;

import dev.quota.RateLimit;
import dev.quota.Selector;
import dev.quota.Subject;
import java.util.List;
import java.util.Map;

/**
 * The one place counter keys are built. Identifiers are escaped so that the separators used here
 * ({@code : , | { } %}) can never come from user input: {@code user:a,b} and the pair
 * {@code user:a} + {@code b:...} always get different keys.
 */
public final class CounterKeys {
  private CounterKeys() {}

  /** The subject part for a single-scope or pair selector matched against request subjects. */
  public static String subjectOf(Selector selector, Map<String, String> subjects) {
    List<Selector.Part> parts = selector.parts();
    StringBuilder sb = new StringBuilder(48);
    for (int i = 0; i < parts.size(); i++) {
      String scope = parts.get(i).scope();
      if (i > 0) {
        sb.append(',');
      }
      sb.append(scope).append(':');
      escape(subjects.get(scope), sb);
    }
    return sb.toString();
  }

  public static String subjectOf(Subject subject) {
    StringBuilder sb = new StringBuilder(subject.scope().length() + subject.id().length() + 1);
    sb.append(subject.scope()).append(':');
    escape(subject.id(), sb);
    return sb.toString();
  }

  public static CounterKey rate(String subject, RateLimit limit) {
    return new CounterKey(subject, rateName(limit));
  }

  /** A rate limit's counter name within its subject; the engine computes it once per policy. */
  public static String rateName(RateLimit limit) {
    return "r/" + limit.counterName();
  }

  /** A counter of {@code subject} whose name {@link #rateName} already built. */
  public static CounterKey named(String subject, String name) {
    return new CounterKey(subject, name);
  }

  /** A budget counter lives for one period, so the period start is part of its name. */
  public static CounterKey budget(String subject, String currency, String period, long periodStartMs) {
    return new CounterKey(subject, "b/" + currency + "/" + period + "/" + periodStartMs);
  }

  public static CounterKey concurrency(String subject) {
    return new CounterKey(subject, "c");
  }

  static void escape(String id, StringBuilder out) {
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      switch (c) {
        case '%', ':', ',', '|', '{', '}', '/' -> out.append('%').append(hex(c >> 4)).append(hex(c & 15));
        default -> out.append(c);
      }
    }
  }

  private static char hex(int v) {
    return (char) (v < 10 ? '0' + v : 'A' + v - 10);
  }
}
