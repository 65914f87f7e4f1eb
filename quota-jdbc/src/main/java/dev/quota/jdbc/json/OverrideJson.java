package dev.quota.jdbc.json;

import static dev.quota.jdbc.json.JsonFields.bool;
import static dev.quota.jdbc.json.JsonFields.onlyKnown;
import static dev.quota.jdbc.json.JsonFields.optional;
import static dev.quota.jdbc.json.JsonFields.required;
import static dev.quota.jdbc.json.JsonFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.ValidationException;
import dev.quota.admin.Override;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * An {@link Override} as JSON:
 * {@code {"id":"...","selector":"user:alice","limits":{...policy...},"bypass":false,
 * "expiresAt":"2025-01-01T00:00:00Z","reason":"...","actor":"...","createdAt":"..."}}. {@code limits}
 * uses the {@link PolicyJson} format and is absent for a bypass. Instants are ISO-8601 UTC.
 */
public final class OverrideJson {
  private static final Set<String> FIELDS =
      new LinkedHashSet<>(List.of("id", "selector", "limits", "bypass", "expiresAt", "reason", "actor", "createdAt"));

  private OverrideJson() {}

  /** Parses an override as a repository stored it, by the rules of the version that stored it. */
  public static Override read(String json) {
    ObjectNode o = JsonFields.parseObject(json);
    onlyKnown(o, "", FIELDS);
    String id = text(required(o, "id", "id"), "id");
    // Read as stored, as its limits are: a selector whose identifier an earlier version took padded with whitespace still loads.
    Selector selector = Selector.parseStored(text(required(o, "selector", "selector"), "selector"));
    JsonNode limits = optional(o, "limits");
    // Stored limits were accepted when written: read as a stored policy is, so a rule added since cannot drop the override.
    Policy replacement = limits == null ? null : PolicyJson.readStored(limits, selector, "limits");
    JsonNode bypassNode = optional(o, "bypass");
    boolean bypass = bypassNode != null && bool(bypassNode, "bypass");
    Instant expiresAt = instant(required(o, "expiresAt", "expiresAt"), "expiresAt");
    String reason = text(required(o, "reason", "reason"), "reason");
    String actor = text(required(o, "actor", "actor"), "actor");
    JsonNode created = optional(o, "createdAt");
    return new Override(
        id, selector, replacement, bypass, expiresAt, reason, actor, created == null ? null : instant(created, "createdAt"));
  }

  public static String write(Override override) {
    return JsonFields.write(toNode(override));
  }

  public static ObjectNode toNode(Override override) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("id", override.id());
    o.put("selector", override.selector().toString());
    if (override.replacement() != null) {
      o.set("limits", PolicyJson.toNode(override.replacement()));
    }
    o.put("bypass", override.bypass());
    o.put("expiresAt", override.expiresAt().toString());
    o.put("reason", override.reason());
    o.put("actor", override.actor());
    if (override.createdAt() != null) {
      o.put("createdAt", override.createdAt().toString());
    }
    return o;
  }

  static Instant instant(JsonNode n, String field) {
    try {
      return Instant.parse(text(n, field));
    } catch (DateTimeParseException e) {
      throw new ValidationException(field, "must be an ISO-8601 instant such as 2025-01-31T12:00:00Z");
    }
  }
}
