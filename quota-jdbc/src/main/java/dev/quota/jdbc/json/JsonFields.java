package dev.quota.jdbc.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.quota.Money;
import dev.quota.ValidationException;
import dev.quota.internal.FieldPath;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Strict reading of JSON trees: every accessor names the field it reads (with its path, e.g.
 * {@code rateLimits[0].window}) in the {@link ValidationException} it throws. Numbers are read as
 * {@link BigDecimal}, never as doubles.
 */
public final class JsonFields {
  /** Shared mapper: decimals stay exact, duplicate keys and trailing garbage are errors. */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  private JsonFields() {}

  /** Parses {@code json} as one JSON object; anything else is a validation error on {@code body}. */
  public static ObjectNode parseObject(String json) {
    ValidationException.require(json != null && !json.isBlank(), "body", "must be a JSON object");
    JsonNode node;
    try {
      node = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new ValidationException("body", "is not valid JSON: " + e.getOriginalMessage());
    }
    ValidationException.require(node instanceof ObjectNode, "body", "must be a JSON object");
    return (ObjectNode) node;
  }

  public static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render JSON", e);
    }
  }

  static String path(String prefix, String name) {
    return FieldPath.child(prefix, name);
  }

  /** Rejects any field of {@code object} not in {@code allowed}. */
  static void onlyKnown(ObjectNode object, String prefix, Set<String> allowed) {
    List<ValidationException> unknown = new ArrayList<>();
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!allowed.contains(name)) {
        // Sorted, as the server names a body's unknown fields, so a file and the API give one rule text.
        unknown.add(new ValidationException(path(prefix, name),
            "is not a known field (known: " + String.join(", ", new TreeSet<>(allowed)) + ")"));
      }
    }
    if (!unknown.isEmpty()) {
      throw ValidationException.of(unknown); // every unknown field at once: a misspelling seldom comes alone
    }
  }

  /** The child, or null when absent or JSON null. */
  static JsonNode optional(ObjectNode object, String name) {
    JsonNode n = object.get(name);
    return n == null || n.isNull() ? null : n;
  }

  static JsonNode required(ObjectNode object, String name, String field) {
    JsonNode n = optional(object, name);
    ValidationException.require(n != null, field, "is required");
    return n;
  }

  static ObjectNode object(JsonNode n, String field) {
    ValidationException.require(n instanceof ObjectNode, field, "must be a JSON object");
    return (ObjectNode) n;
  }

  static String text(JsonNode n, String field) {
    ValidationException.require(n.isTextual(), field, "must be a string");
    return n.textValue();
  }

  static boolean bool(JsonNode n, String field) {
    ValidationException.require(n.isBoolean(), field, "must be true or false");
    return n.booleanValue();
  }

  /** A whole JSON number within {@code [min, max]}; 60.0 and "60" are rejected. */
  static long wholeNumber(JsonNode n, String field, long min, long max) {
    ValidationException.require(n.isIntegralNumber(), field, "must be a whole number");
    ValidationException.require(
        n.bigIntegerValue().compareTo(BigInteger.valueOf(min)) >= 0
            && n.bigIntegerValue().compareTo(BigInteger.valueOf(max)) <= 0,
        field,
        "must be between " + min + " and " + max);
    return n.longValue();
  }

  /** A JSON number read exactly. */
  static BigDecimal decimal(JsonNode n, String field) {
    ValidationException.require(n.isNumber(), field, "must be a number");
    return n.decimalValue();
  }

  /** Money as a decimal string ("10.00") or a JSON number, both read exactly. */
  static Money money(JsonNode n, String field) {
    if (n.isTextual()) {
      return Money.parse(field, n.textValue());
    }
    ValidationException.require(n.isNumber(), field, "must be a decimal string such as \"10.00\" or a number");
    return Money.of(field, n.decimalValue());
  }

  /**
   * {@code d} as a plain JSON number in its shortest form ({@code 0.0000001}, never {@code 1E-7}):
   * a {@code BigDecimal} node would be written in exponent form below 0.000001.
   */
  public static RawValue plainNumber(BigDecimal d) {
    BigDecimal s = d.stripTrailingZeros();
    return new RawValue((s.scale() < 0 ? s.setScale(0) : s).toPlainString());
  }

  /**
   * Re-throws a model validation error with its field placed under {@code prefix}. An error about
   * the policy as a whole (field {@code policy}) names {@code prefix} itself, the object that holds
   * it: {@code limits}, not {@code limits.policy}, which names nothing in the request.
   */
  static ValidationException nest(String prefix, ValidationException e) {
    if (prefix.isEmpty()) {
      return e;
    }
    List<ValidationException> nested = new ArrayList<>();
    for (ValidationException p : e.problems()) {
      String field = p.field();
      nested.add(field.startsWith(prefix) ? p
          : new ValidationException(field.equals("policy") ? prefix : prefix + "." + field, p.rule()));
    }
    return ValidationException.of(nested);
  }
}
