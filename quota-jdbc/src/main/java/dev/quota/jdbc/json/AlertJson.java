package dev.quota.jdbc.json;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.Money;
import dev.quota.ValidationException;
import dev.quota.alert.Alert;
import dev.quota.jdbc.internal.Jdbc;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * An {@link Alert} as JSON, for the API and webhook bodies, and read back ({@link #read}) where a
 * server keeps alerts on disk across a restart. Amounts are decimal strings in the
 * money text of every other route ({@code "0.60"}, {@code "1.00"}), the threshold a plain JSON
 * number (a fraction, {@code 1} when the budget is exhausted), instants ISO-8601 UTC.
 */
public final class AlertJson {
  private AlertJson() {}

  public static ObjectNode toNode(Alert a) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("id", a.id());
    // To the microsecond, as the history stores it: a webhook body and the API then agree.
    o.put("at", Jdbc.micros(a.at()).toString());
    o.put("policy", a.policy());
    o.put("subject", a.subject());
    o.put("period", a.period());
    o.put("periodStart", Jdbc.micros(a.periodStart()).toString());
    // As written, never in exponent form (which a BigDecimal node would use for 0.0000001).
    o.putRawValue("threshold", JsonFields.plainNumber(a.threshold()));
    o.put("used", Money.plainString(a.used()));
    o.put("limit", Money.plainString(a.limit()));
    o.put("currency", a.currency());
    o.put("exhausted", a.exhausted());
    return o;
  }

  public static String write(Alert a) {
    return JsonFields.write(toNode(a));
  }

  /**
   * The alert {@link #write} wrote; {@code exhausted} is derived from the threshold, so it is not
   * read. Anything else is a {@link ValidationException} naming the field.
   */
  public static Alert read(String json) {
    ObjectNode o = JsonFields.parseObject(json);
    return new Alert(
        text(o, "id"),
        instant(o, "at"),
        text(o, "policy"),
        text(o, "subject"),
        text(o, "period"),
        instant(o, "periodStart"),
        JsonFields.decimal(JsonFields.required(o, "threshold", "threshold"), "threshold"),
        amount(o, "used"),
        amount(o, "limit"),
        text(o, "currency"));
  }

  private static String text(ObjectNode o, String field) {
    return JsonFields.text(JsonFields.required(o, field, field), field);
  }

  private static Instant instant(ObjectNode o, String field) {
    return OverrideJson.instant(JsonFields.required(o, field, field), field);
  }

  private static BigDecimal amount(ObjectNode o, String field) {
    String text = text(o, field);
    try {
      return new BigDecimal(text);
    } catch (NumberFormatException e) {
      throw new ValidationException(field, "must be a decimal string such as \"0.60\"");
    }
  }
}
