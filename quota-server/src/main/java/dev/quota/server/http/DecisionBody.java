package dev.quota.server.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.quota.Money;
import dev.quota.QuotaRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The body of a decision request (check, reservation, recorded usage): subjects, a cost, meters,
 * an idempotency key and, where allowed, a ttl.
 *
 * <p>Decisions are the hot path, so a body of the ordinary shape is read in one streaming pass,
 * without a tree of nodes. Anything out of the ordinary (malformed JSON, an unknown, duplicate or
 * missing key, a value of the wrong type or out of range) is read again through {@link JsonBody}
 * and {@link Fields}, so every refusal names the same field and rule, in the same order, as the
 * tree reading does. Values of the right type are checked by the same rules on both paths. Both
 * parse through {@link JsonBody#parser}, so a body that is not UTF-8 is refused alike on either.
 */
public record DecisionBody(
    Map<String, String> subjects, Money cost, Map<String, Long> meters, String idempotencyKey, Duration ttl) {

  private static final int SUBJECTS = 1;
  private static final int COST = 2;
  private static final int METERS = 4;
  private static final int KEY = 8;
  private static final int TTL = 16;

  /** The body's fields, whose keys must all be in {@code allowed}; the cost is named {@code costField}. */
  public static DecisionBody read(byte[] body, Set<String> allowed, String costField) {
    DecisionBody plain = plain(body, allowed, costField);
    return plain != null ? plain : of(JsonBody.fields(body, allowed, false), costField);
  }

  /** The tree reading, which refuses anything wrong by field and rule. */
  static DecisionBody of(Fields f, String costField) {
    Map<String, String> subjects = f.stringMap("subjects", true, QuotaRequest.MAX_SUBJECTS);
    Money cost = f.money(costField, false);
    Map<String, Long> meters = f.countMap("meters", QuotaRequest.MAX_METERS);
    String key = f.string("idempotencyKey", false, 128);
    Duration ttl = f.has("ttl") ? f.duration("ttl") : null;
    return new DecisionBody(subjects, cost, meters, key, ttl);
  }

  /** The streaming reading; null when the body is not of the ordinary shape. */
  static DecisionBody plain(byte[] body, Set<String> allowed, String costField) {
    if (body.length == 0) {
      return null;
    }
    Map<String, String> subjects = null;
    String cost = null;
    Map<String, Long> meters = null;
    String key = null;
    String ttl = null;
    int seen = 0;
    try (JsonParser p = JsonBody.parser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        int field;
        if (name.equals("subjects")) {
          field = SUBJECTS;
          subjects = v == JsonToken.START_OBJECT ? strings(p) : null;
          if (subjects == null) {
            return null;
          }
        } else if (name.equals(costField)) {
          field = COST;
          if (!stringOrNull(v)) {
            return null;
          }
          cost = p.getValueAsString();
        } else if (name.equals("meters")) {
          field = METERS;
          if (v == JsonToken.START_OBJECT) {
            meters = counts(p);
            if (meters == null) {
              return null;
            }
          } else if (v != JsonToken.VALUE_NULL) {
            return null;
          }
        } else if (name.equals("idempotencyKey") && allowed.contains("idempotencyKey")) {
          field = KEY;
          if (!stringOrNull(v)) {
            return null;
          }
          key = p.getValueAsString();
        } else if (name.equals("ttl") && allowed.contains("ttl")) {
          field = TTL;
          if (!stringOrNull(v)) {
            return null;
          }
          ttl = p.getValueAsString();
        } else {
          return null;
        }
        if ((seen & field) != 0) {
          return null;
        }
        seen |= field;
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null || subjects == null) {
        return null;
      }
    } catch (IOException e) {
      return null;
    }
    // The same rules, in the same order, as of(Fields).
    Money money = cost == null ? null : Fields.money(costField, cost);
    String idempotencyKey = key == null ? null : Fields.boundedString("idempotencyKey", key, 128);
    Duration duration = ttl == null ? null : Fields.duration("ttl", Fields.boundedString("ttl", ttl, 64));
    return new DecisionBody(subjects, money, meters, idempotencyKey, duration);
  }

  /** Optional string fields: JSON null reads as absent, as in {@link Fields}. */
  private static boolean stringOrNull(JsonToken v) {
    return v == JsonToken.VALUE_STRING || v == JsonToken.VALUE_NULL;
  }

  /** An object of string values, at most {@link QuotaRequest#MAX_SUBJECTS}; null if it is anything else. */
  private static Map<String, String> strings(JsonParser p) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String name = p.currentName();
      if (p.nextToken() != JsonToken.VALUE_STRING || out.put(name, p.getText()) != null || out.size() > QuotaRequest.MAX_SUBJECTS) {
        return null;
      }
    }
    return p.currentToken() == JsonToken.END_OBJECT && !out.isEmpty() ? out : null;
  }

  /** An object of whole numbers within the meter range, at most {@link QuotaRequest#MAX_METERS}; null otherwise. */
  private static Map<String, Long> counts(JsonParser p) throws IOException {
    Map<String, Long> out = new LinkedHashMap<>();
    for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String name = p.currentName();
      if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
        return null;
      }
      JsonParser.NumberType type = p.getNumberType();
      if (type != JsonParser.NumberType.INT && type != JsonParser.NumberType.LONG) {
        return null;
      }
      long n = p.getLongValue();
      if (n < 0 || n > Money.MAX_NANOS || out.put(name, n) != null || out.size() > QuotaRequest.MAX_METERS) {
        return null;
      }
    }
    return p.currentToken() == JsonToken.END_OBJECT ? out : null;
  }
}
