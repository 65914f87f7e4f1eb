package dev.quota.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.Money;
import dev.quota.ValidationException;
import dev.quota.internal.FieldPath;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, named access to one JSON object of a request. Every getter names the full field path in
 * its error ({@code meters.tokens}), and construction refuses any key not in the allowed set.
 */
public final class Fields {
  private final ObjectNode node;
  private final String prefix;

  Fields(ObjectNode node, String prefix, Set<String> allowed) {
    this(node, prefix, allowed, null);
  }

  /** With {@code problems}, each unknown field is noted there, beside the problems of the fields read next, rather than thrown. */
  Fields(ObjectNode node, String prefix, Set<String> allowed, BodyProblems problems) {
    this.node = node;
    this.prefix = prefix;
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      if (!allowed.contains(n)) {
        ApiError unknown = ApiError.badInput(path(n), allowed.isEmpty() ? "is not a known field: the body takes no fields"
            : "is not a known field (known: " + String.join(", ", new TreeSet<>(allowed)) + ")");
        if (problems == null) {
          throw unknown;
        }
        problems.check(() -> {
          throw unknown;
        });
      }
    }
  }

  public static Fields of(ObjectNode node, Set<String> allowed) {
    return new Fields(node, "", allowed);
  }

  public ObjectNode node() {
    return node;
  }

  public boolean has(String name) {
    JsonNode v = node.get(name);
    return v != null && !v.isNull();
  }

  public String path(String name) {
    return FieldPath.child(prefix, name);
  }

  public String string(String name, boolean required, int maxLength) {
    JsonNode v = present(name, required);
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      throw ApiError.badInput(path(name), "must be a string");
    }
    return boundedString(path(name), v.textValue(), maxLength);
  }

  /** {@code s} if it has at most {@code maxLength} characters, refused for {@code path} otherwise. */
  static String boundedString(String path, String s, int maxLength) {
    if (s.codePointCount(0, s.length()) > maxLength) {
      throw ApiError.badInput(path, "must be at most " + maxLength + " characters");
    }
    return s;
  }

  /** The field's value; null if it is absent (or JSON null) and optional; refused if absent and required. */
  private JsonNode present(String name, boolean required) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      if (required) {
        throw ApiError.badInput(path(name), "is required");
      }
      return null;
    }
    return v;
  }

  /** A decimal amount written as a JSON string ("0.05"): exact, never a binary float. */
  public Money money(String name, boolean required) {
    JsonNode v = present(name, required);
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      throw ApiError.badInput(path(name), "must be a decimal string such as \"0.05\"");
    }
    return money(path(name), v.textValue());
  }

  static Money money(String path, String text) {
    try {
      return Money.parse(path, text);
    } catch (ValidationException e) {
      throw ApiError.badInput(e.field(), e.rule());
    }
  }

  public Long wholeNumber(String name, boolean required, long min, long max) {
    JsonNode v = present(name, required);
    if (v == null) {
      return null;
    }
    return whole(path(name), v, min, max);
  }

  static long whole(String path, JsonNode v, long min, long max) {
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw ApiError.badInput(path, "must be a whole number between " + min + " and " + max);
    }
    long n = v.longValue();
    if (n < min || n > max) {
      throw ApiError.badInput(path, "must be a whole number between " + min + " and " + max);
    }
    return n;
  }

  public Duration duration(String name) {
    String s = string(name, false, 64);
    return s == null ? null : duration(path(name), s);
  }

  /** A duration already known to be a string of at most 64 characters. */
  static Duration duration(String path, String s) {
    try {
      return Duration.parse(s);
    } catch (DateTimeParseException e) {
      throw ApiError.badInput(path, "must be an ISO-8601 duration such as PT5M");
    }
  }

  public Instant instant(String name, boolean required) {
    String s = string(name, required, 64);
    if (s == null) {
      return null;
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeException e) {
      // Not only a syntax error: a well-formed year past 999,999,999 fails as a date, not as text.
      throw ApiError.badInput(path(name), "must be an ISO-8601 instant such as 2030-01-01T00:00:00Z");
    }
  }

  /** An object of string values, e.g. subjects; keys are checked by the domain model. */
  public Map<String, String> stringMap(String name, boolean required, int maxEntries) {
    JsonNode v = present(name, required);
    if (v == null) {
      return null;
    }
    if (!v.isObject()) {
      throw ApiError.badInput(path(name), "must be an object");
    }
    if (v.size() > maxEntries) {
      throw ApiError.badInput(path(name), "must hold at most " + maxEntries + " entries");
    }
    Map<String, String> out = new LinkedHashMap<>();
    v.fields().forEachRemaining(e -> {
      if (!e.getValue().isTextual()) {
        throw ApiError.badInput(FieldPath.child(path(name), e.getKey()), "must be a string");
      }
      out.put(e.getKey(), e.getValue().textValue());
    });
    return out;
  }

  /** An object of whole-number values, e.g. meters. */
  public Map<String, Long> countMap(String name, int maxEntries) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isObject()) {
      throw ApiError.badInput(path(name), "must be an object");
    }
    if (v.size() > maxEntries) {
      throw ApiError.badInput(path(name), "must hold at most " + maxEntries + " entries");
    }
    Map<String, Long> out = new LinkedHashMap<>();
    v.fields().forEachRemaining(e -> out.put(e.getKey(), whole(FieldPath.child(path(name), e.getKey()), e.getValue(), 0, Money.MAX_NANOS)));
    return out;
  }

  public ObjectNode object(String name, boolean required) {
    JsonNode v = present(name, required);
    if (v == null) {
      return null;
    }
    if (!v.isObject()) {
      throw ApiError.badInput(path(name), "must be an object");
    }
    return (ObjectNode) v;
  }
}
