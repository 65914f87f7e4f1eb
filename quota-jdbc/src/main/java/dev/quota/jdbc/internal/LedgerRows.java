package dev.quota.jdbc.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.Money;
import dev.quota.QuotaRequest;
import dev.quota.RateLimit;
import dev.quota.Subject;
import dev.quota.ValidationException;
import dev.quota.jdbc.json.JsonFields;
import dev.quota.ledger.UsageEntry;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * How a {@link UsageEntry} maps to a {@code usage_entry} row and to a spool line: the only place
 * that knows the column layout and the canonical subject text.
 */
public final class LedgerRows {
  /** Scopes with their own indexed column ({@code <scope>_id}). */
  public static final List<String> COLUMN_SCOPES =
      List.of(Subject.USER, Subject.TEAM, Subject.PROJECT, Subject.TOOL, Subject.PROVIDER);

  public static final int MAX_KEY_LENGTH = 128;
  /** The years every SQL timestamp holds: a time outside them would fail only inside the writer. */
  static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");

  static final Instant END = Instant.parse("+10000-01-01T00:00:00Z");
  public static final int MAX_SUBJECTS = 16;
  /** A request's own meters and the {@code requests} meter the engine adds when it names none. */
  public static final int MAX_METERS = QuotaRequest.MAX_METERS + 1;
  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

  private LedgerRows() {}

  /** The indexed column for {@code scope}, or null if the scope has none. */
  public static String column(String scope) {
    return COLUMN_SCOPES.contains(scope) ? scope + "_id" : null;
  }

  /**
   * The subjects of scopes without a column ({@code org:acme}), sorted by scope: what {@code
   * usage_entry_subject} keeps for an entry, so reports can filter and group by those scopes too.
   */
  public static Map<String, String> otherSubjects(Map<String, String> subjects) {
    Map<String, String> out = new TreeMap<>();
    subjects.forEach((scope, id) -> {
      if (!COLUMN_SCOPES.contains(scope)) {
        out.put(scope, id);
      }
    });
    return out;
  }

  /**
   * Rejects an entry the table would refuse, before anything is written, naming the field. The
   * database's own constraints remain the last line of defence.
   */
  public static void validate(UsageEntry e) {
    ValidationException.require(e != null, "entry", "is required");
    requireKey("id", e.id(), true);
    ValidationException.require(e.at() != null, "at", "is required");
    ValidationException.require(
        !e.at().isBefore(EARLIEST) && e.at().isBefore(END), "at", "must be in the years 0001 to 9999 (UTC)");
    ValidationException.require(!e.subjects().isEmpty(), "subjects", "must name at least one subject");
    ValidationException.require(e.subjects().size() <= MAX_SUBJECTS, "subjects", "must name at most 16 subjects");
    for (Map.Entry<String, String> s : e.subjects().entrySet()) {
      Subject.validateScope("subjects", s.getKey());
      // A row may carry subjects stored under older rules (a reservation made then, settled now).
      Subject.validateStoredId("subjects." + s.getKey(), s.getValue());
    }
    ValidationException.require(e.amount() != null, "amount", "is required");
    ValidationException.require(e.amount().nanos() >= 0, "amount", "must not be negative");
    ValidationException.require(e.overrun().nanos() >= 0, "overrun", "must not be negative");
    ValidationException.require(
        e.meters().size() <= MAX_METERS, "meters", "must name at most " + MAX_METERS + " meters");
    for (Map.Entry<String, Long> m : e.meters().entrySet()) {
      RateLimit.validateMeter("meters", m.getKey());
      ValidationException.require(m.getValue() >= 0, "meters." + m.getKey(), "must not be negative");
    }
    requireKey("reservationId", e.reservationId(), false);
    requireKey("idempotencyKey", e.idempotencyKey(), false);
    // Never after the row's own time: a budget's lookup of what was charged from a time on starts
    // at the rows written from then on.
    ValidationException.require(
        e.reservedAt() == null || !e.reservedAt().isAfter(e.at()), "reservedAt", "must not be after at");
    ValidationException.require(
        e.reservedAt() == null || !e.reservedAt().isBefore(EARLIEST), "reservedAt",
        "must be in the years 0001 to 9999 (UTC)");
    // A budget's currency, as the engine names it; the column holds three characters.
    ValidationException.require(
        e.currency() == null || CURRENCY.matcher(e.currency()).matches(), "currency",
        "must be a three-letter ISO 4217 code such as USD, or none");
  }

  private static void requireKey(String field, String value, boolean required) {
    if (value == null) {
      ValidationException.require(!required, field, "is required");
      return;
    }
    ValidationException.require(!value.isEmpty(), field, "must not be empty");
    // Characters, as the engine counts an idempotency key; the columns hold as many of any kind.
    ValidationException.require(
        value.codePointCount(0, value.length()) <= MAX_KEY_LENGTH, field,
        "must be at most " + MAX_KEY_LENGTH + " characters");
  }

  /** Every pair as a line {@code scope:id}, sorted, with a newline before and after each. */
  public static String subjectsText(Map<String, String> subjects) {
    String[] scopes = sortedKeys(subjects);
    StringBuilder sb = new StringBuilder(16 * scopes.length + 1).append('\n');
    for (String scope : scopes) {
      sb.append(scope).append(':').append(subjects.get(scope)).append('\n');
    }
    return sb.toString();
  }

  private static String[] sortedKeys(Map<String, ?> map) {
    String[] keys = map.keySet().toArray(new String[0]);
    Arrays.sort(keys);
    return keys;
  }

  /** The LIKE pattern that finds {@code scope:id} in a {@link #subjectsText}. */
  public static String subjectPattern(String scope, String id) {
    return "%" + Jdbc.likeLiteral("\n" + scope + ":" + id + "\n") + "%";
  }

  public static Map<String, String> parseSubjects(String text) {
    Map<String, String> out = new TreeMap<>();
    for (String line : text.split("\n")) {
      if (!line.isEmpty()) {
        int colon = line.indexOf(':');
        out.put(line.substring(0, colon), line.substring(colon + 1));
      }
    }
    return out;
  }

  /**
   * The meters as a JSON object with sorted keys, written by hand: meter names are lowercase
   * letters, digits and '_' ({@link RateLimit#validateMeter}), so nothing needs escaping.
   */
  public static String metersJson(Map<String, Long> meters) {
    StringBuilder sb = new StringBuilder(24 * meters.size() + 2).append('{');
    for (String meter : sortedKeys(meters)) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append('"').append(meter).append("\":").append(meters.get(meter).longValue());
    }
    return sb.append('}').toString();
  }

  public static Map<String, Long> parseMeters(String json) {
    return meters(JsonFields.parseObject(json));
  }

  private static Map<String, Long> meters(JsonNode o) {
    Map<String, Long> out = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      out.put(f.getKey(), f.getValue().longValue());
    }
    return out;
  }

  public static BigDecimal decimal(Money m) {
    return BigDecimal.valueOf(m.nanos(), Money.SCALE);
  }

  /** The exact decimal text of {@code m}, as a NUMERIC literal. */
  public static String decimalText(Money m) {
    return decimal(m).toPlainString();
  }

  public static Money money(BigDecimal d) {
    return Money.ofNanos(d.setScale(Money.SCALE).unscaledValue().longValueExact());
  }

  /** One spool line (without the newline). */
  public static String toSpoolLine(UsageEntry e) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("id", e.id());
    o.put("at", e.at().toString());
    ObjectNode s = o.putObject("subjects");
    new TreeMap<>(e.subjects()).forEach(s::put);
    o.put("amount", e.amount().toPlainString());
    ObjectNode m = o.putObject("meters");
    new TreeMap<>(e.meters()).forEach(m::put);
    o.put("reservationId", e.reservationId());
    o.put("idempotencyKey", e.idempotencyKey());
    o.put("overrun", e.overrun().toPlainString());
    if (e.reservedAt() != null) {
      o.put("reservedAt", e.reservedAt().toString());
    }
    if (e.currency() != null) {
      o.put("currency", e.currency());
    }
    return JsonFields.write(o);
  }

  /**
   * A spool line as an entry; a line spooled before reservation times (or currencies) were kept has
   * none.
   */
  public static UsageEntry fromSpoolLine(String line) {
    ObjectNode o = JsonFields.parseObject(line);
    JsonNode reservedAt = o.get("reservedAt");
    JsonNode currency = o.get("currency");
    Map<String, String> subjects = new TreeMap<>();
    o.get("subjects").fields().forEachRemaining(f -> subjects.put(f.getKey(), f.getValue().textValue()));
    return new UsageEntry(
        o.get("id").textValue(),
        Instant.parse(o.get("at").textValue()),
        subjects,
        Money.parse("amount", o.get("amount").textValue()),
        meters(o.get("meters")),
        o.get("reservationId").textValue(),
        o.get("idempotencyKey").textValue(),
        Money.parse("overrun", o.get("overrun").textValue()),
        reservedAt == null || reservedAt.isNull() ? null : Instant.parse(reservedAt.textValue()),
        currency == null || currency.isNull() ? null : currency.textValue());
  }
}
