package dev.quota.jdbc.json;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.alert.Alert;

/**
 * An {@link Alert} as JSON, for the API and webhook bodies. Amounts are decimal strings, the
 * threshold a JSON number, instants ISO-8601 UTC.
 */
public final class AlertJson {
  private AlertJson() {}

  public static ObjectNode toNode(Alert a) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("id", a.id());
    o.put("at", a.at().toString());
    o.put("policy", a.policy());
    o.put("subject", a.subject());
    o.put("period", a.period());
    o.put("periodStart", a.periodStart().toString());
    o.put("threshold", a.threshold());
    o.put("used", a.used().toPlainString());
    o.put("limit", a.limit().toPlainString());
    o.put("currency", a.currency());
    o.put("exhausted", a.exhausted());
    return o;
  }

  public static String write(Alert a) {
    return JsonFields.write(toNode(a));
  }
}
