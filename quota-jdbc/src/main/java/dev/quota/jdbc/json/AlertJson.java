package dev.quota.jdbc.json;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.Money;
import dev.quota.alert.Alert;
import dev.quota.jdbc.internal.Jdbc;

/**
 * An {@link Alert} as JSON, for the API and webhook bodies. Amounts are decimal strings in the
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
}
