package dev.quota.jdbc.json;

import static dev.quota.jdbc.json.JsonFields.decimal;
import static dev.quota.jdbc.json.JsonFields.money;
import static dev.quota.jdbc.json.JsonFields.nest;
import static dev.quota.jdbc.json.JsonFields.object;
import static dev.quota.jdbc.json.JsonFields.onlyKnown;
import static dev.quota.jdbc.json.JsonFields.optional;
import static dev.quota.jdbc.json.JsonFields.path;
import static dev.quota.jdbc.json.JsonFields.required;
import static dev.quota.jdbc.json.JsonFields.text;
import static dev.quota.jdbc.json.JsonFields.wholeNumber;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.Algorithm;
import dev.quota.Budget;
import dev.quota.FailMode;
import dev.quota.Mode;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.RateLimit;
import dev.quota.Selector;
import dev.quota.ValidationException;
import dev.quota.internal.TimeZones;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Currency;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A {@link Policy} in the API wire format (the selector travels separately, in the URL):
 *
 * <pre>{@code
 * {"rateLimits":[{"limit":60,"window":"PT1M"},
 *                {"meter":"tokens","limit":100000,"window":"PT1M","algorithm":"token_bucket"}],
 *  "budget":{"currency":"USD","daily":"10.00","monthly":"200.00","perRequest":"1.00",
 *            "timezone":"Europe/Berlin","resetTime":"00:00","resetDay":1},
 *  "concurrency":10,"alertThresholds":[0.8,0.9,0.95],"mode":"enforce","failMode":"closed"}
 * }</pre>
 *
 * <p>Reading is strict: unknown fields, wrong types, fractional limits and over-precise or
 * negative amounts throw {@link ValidationException} naming the field path and the rule. Amounts
 * are accepted as decimal strings or JSON numbers (read exactly) and always written as strings.
 * Defaults ({@code meter} requests, {@code algorithm} sliding_window) are omitted when writing.
 */
public final class PolicyJson {
  private static final Set<String> POLICY_FIELDS =
      ordered("rateLimits", "budget", "concurrency", "alertThresholds", "mode", "failMode");
  private static final Set<String> LIMIT_FIELDS = ordered("meter", "limit", "window", "algorithm");
  private static final Set<String> BUDGET_FIELDS =
      ordered("currency", "daily", "monthly", "perRequest", "timezone", "resetTime", "resetDay");
  private static final DateTimeFormatter HOUR_MINUTE = DateTimeFormatter.ofPattern("HH:mm");
  private static final String RESET_TIME_RULE = "must be a time of day as HH:mm or HH:mm:ss";
  private static final Set<String> ISO_4217 =
      Currency.getAvailableCurrencies().stream().map(Currency::getCurrencyCode).collect(Collectors.toUnmodifiableSet());

  private PolicyJson() {}

  /** Parses a policy body for {@code selector}. */
  public static Policy read(String json, Selector selector) {
    return read(JsonFields.parseObject(json), selector, "");
  }

  /**
   * Parses a policy body stored by this or an earlier version. Earlier versions accepted repeated
   * alert thresholds and thresholds with more than nine decimals, which are refused now; a stored
   * policy keeps loading with each repeat dropped and each such value rounded up to nine decimals
   * (so its alert never fires before its level), or dropped if that reaches 1. They also accepted
   * any three capital letters as a budget's currency, and any time zone {@link java.time.ZoneId#of}
   * reads (EST5EDT, SystemV/EST5, GMT+2); a stored policy keeps its currency and its zone.
   */
  public static Policy readStored(String json, Selector selector) {
    return readStored(JsonFields.parseObject(json), selector, "");
  }

  /**
   * {@link #readStored} for a policy object already parsed: the limits of a stored override, or a
   * policy a server lists, which it accepted when it was written.
   */
  public static Policy readStored(JsonNode node, Selector selector, String prefix) {
    return read(node, selector, prefix, true);
  }

  /** Parses the policy object {@code node}; error fields are placed under {@code prefix} (may be ""). */
  public static Policy read(JsonNode node, Selector selector, String prefix) {
    return read(node, selector, prefix, false);
  }

  /**
   * Reads every part even after one fails, so that one refusal names every problem the body has;
   * the policy's own cross-field rules are checked only once each part is valid.
   */
  private static Policy read(JsonNode node, Selector selector, String prefix, boolean stored) {
    ObjectNode body = object(node, prefix.isEmpty() ? "body" : prefix);
    ProblemCollector problems = new ProblemCollector();
    problems.check(() -> onlyKnown(body, prefix, POLICY_FIELDS));
    Policy.Builder b = Policy.builder(selector);
    JsonNode limits = optional(body, "rateLimits");
    if (limits != null) {
      String field = path(prefix, "rateLimits");
      problems.check(() -> {
        ValidationException.require(limits.isArray(), field, "must be an array");
        ValidationException.require(limits.size() <= 32, field, "must hold at most 32 limits");
      });
      List<RateLimit> read = new ArrayList<>();
      for (int i = 0; limits.isArray() && i < limits.size(); i++) {
        RateLimit limit = rateLimit(limits.get(i), field + "[" + i + "]", problems);
        read.add(limit);
        if (limit != null) {
          b.rateLimit(limit);
        }
      }
      if (!read.contains(null)) {
        // Judged here, not only as the policy is built, so that a repeat is listed beside the problems of other fields.
        problems.check(() -> {
          try {
            Policy.requireDistinct(read);
          } catch (ValidationException e) {
            throw nest(prefix, e);
          }
        });
      }
    }
    JsonNode budget = optional(body, "budget");
    if (budget != null) {
      Budget parsed = budget(budget, path(prefix, "budget"), prefix, stored, problems);
      if (parsed != null) {
        b.budget(parsed);
      }
    }
    JsonNode concurrency = optional(body, "concurrency");
    if (concurrency != null) {
      Long cap = problems.read(() -> wholeNumber(concurrency, path(prefix, "concurrency"), 1, Integer.MAX_VALUE));
      if (cap != null) {
        b.concurrency(cap.intValue());
      }
    }
    JsonNode thresholds = optional(body, "alertThresholds");
    if (thresholds != null) {
      String field = path(prefix, "alertThresholds");
      problems.check(() -> ValidationException.require(thresholds.isArray(), field, "must be an array of fractions"));
      List<BigDecimal> values = new ArrayList<>();
      for (int i = 0; thresholds.isArray() && i < thresholds.size(); i++) {
        JsonNode t = thresholds.get(i);
        String at = field + "[" + i + "]";
        values.add(problems.read(() -> decimal(t, at)));
      }
      if (thresholds.isArray() && !values.contains(null)) {
        // Judged here, not only as the policy is built, so that they are listed beside the problems of other fields.
        problems.check(() -> {
          try {
            b.alertThresholds(Policy.sortedThresholds(stored ? mended(values) : values));
          } catch (ValidationException e) {
            throw nest(prefix, e);
          }
        });
      }
    }
    JsonNode mode = optional(body, "mode");
    if (mode != null) {
      String field = path(prefix, "mode");
      problems.check(() -> b.mode(Mode.fromWire(field, text(mode, field))));
    }
    JsonNode failMode = optional(body, "failMode");
    if (failMode != null) {
      String field = path(prefix, "failMode");
      problems.check(() -> b.failMode(FailMode.fromWire(field, text(failMode, field))));
    }
    problems.throwIfAny();
    try {
      return b.build();
    } catch (ValidationException e) {
      throw nest(prefix, e);
    }
  }

  /** See {@link #readStored}. */
  private static List<BigDecimal> mended(List<BigDecimal> thresholds) {
    TreeSet<BigDecimal> out = new TreeSet<>(); // ordered by value: 0.5 and 0.50 are one
    for (BigDecimal t : thresholds) {
      BigDecimal nine = t.scale() > Policy.THRESHOLD_SCALE ? t.setScale(Policy.THRESHOLD_SCALE, RoundingMode.CEILING) : t;
      if (nine.compareTo(BigDecimal.ONE) < 0) {
        out.add(nine);
      }
    }
    return new ArrayList<>(out);
  }

  /** The limit {@code node} describes, or null with its problems noted. */
  private static RateLimit rateLimit(JsonNode node, String field, ProblemCollector problems) {
    ObjectNode o = problems.read(() -> object(node, field));
    if (o == null) {
      return null;
    }
    ProblemCollector own = new ProblemCollector();
    own.check(() -> onlyKnown(o, field, LIMIT_FIELDS));
    JsonNode meterNode = optional(o, "meter");
    String meter = meterNode == null ? RateLimit.REQUESTS : own.read(() -> {
      String name = text(meterNode, field + ".meter");
      RateLimit.validateMeter(field + ".meter", name);
      return name;
    });
    Long limit = own.read(() -> wholeNumber(required(o, "limit", field + ".limit"), field + ".limit", 1, RateLimit.MAX_LIMIT));
    Duration window = own.read(() -> {
      String windowText = text(required(o, "window", field + ".window"), field + ".window");
      try {
        Duration parsed = Duration.parse(windowText);
        // Judged here, not only as the limit is built, so that it is listed beside a problem of the limit's amount.
        RateLimit.validateWindow(field + ".window", parsed);
        return parsed;
      } catch (DateTimeParseException e) {
        throw new ValidationException(field + ".window", "must be an ISO-8601 duration such as PT1M");
      }
    });
    JsonNode algorithmNode = optional(o, "algorithm");
    Algorithm algorithm =
        algorithmNode == null
            ? Algorithm.SLIDING_WINDOW
            : own.read(() -> Algorithm.fromWire(field + ".algorithm", text(algorithmNode, field + ".algorithm")));
    RateLimit built = own.any() ? null : own.read(() -> {
      try {
        return new RateLimit(meter, limit, window, algorithm);
      } catch (ValidationException e) {
        throw nest(field, e);
      }
    });
    problems.check(own::throwIfAny);
    return built;
  }

  /** The budget {@code node} describes, or null with its problems noted. */
  private static Budget budget(JsonNode node, String field, String prefix, boolean stored, ProblemCollector problems) {
    ObjectNode o = problems.read(() -> object(node, field));
    if (o == null) {
      return null;
    }
    ProblemCollector own = new ProblemCollector();
    own.check(() -> onlyKnown(o, field, BUDGET_FIELDS));
    String currency = own.read(() -> {
      String code = text(required(o, "currency", field + ".currency"), field + ".currency");
      // Checked here, not only by Budget, so that it is listed beside the problems of other fields.
      ValidationException.require(Budget.isCurrencyCode(code), field + ".currency", Budget.CURRENCY_RULE);
      // A code no currency has is a typo (UDS for USD), and a budget in it counts apart from the one meant.
      ValidationException.require(stored || ISO_4217.contains(code), field + ".currency",
          Budget.CURRENCY_RULE + ": '" + code + "' is not one");
      return code;
    });
    Money daily = own.read(() -> optionalMoney(o, "daily", field));
    Money monthly = own.read(() -> optionalMoney(o, "monthly", field));
    Money perRequest = own.read(() -> optionalMoney(o, "perRequest", field));
    JsonNode tz = optional(o, "timezone");
    ZoneId zone = tz == null ? ZoneOffset.UTC : own.read(() -> {
      String text = text(tz, field + ".timezone");
      // A stored policy may name a zone earlier versions took and the rule now refuses: it keeps loading.
      return normalize(stored ? TimeZones.parseStored(field + ".timezone", text) : TimeZones.parse(field + ".timezone", text));
    });
    JsonNode rt = optional(o, "resetTime");
    LocalTime resetTime = rt == null ? LocalTime.MIDNIGHT : own.read(() -> {
      String text = text(rt, field + ".resetTime");
      try {
        ValidationException.require(text.length() == 5 || text.length() == 8, field + ".resetTime", RESET_TIME_RULE);
        return LocalTime.parse(text);
      } catch (DateTimeParseException e) {
        throw new ValidationException(field + ".resetTime", RESET_TIME_RULE);
      }
    });
    JsonNode rd = optional(o, "resetDay");
    Long resetDay = rd == null ? Long.valueOf(1) : own.read(() -> wholeNumber(rd, field + ".resetDay", 1, 31));
    Budget built = own.any() ? null : own.read(() -> {
      try {
        return new Budget(currency, daily, monthly, perRequest, zone, resetTime, resetDay.intValue());
      } catch (ValidationException e) {
        throw nest(prefix, e);
      }
    });
    problems.check(own::throwIfAny);
    return built;
  }

  private static Money optionalMoney(ObjectNode o, String name, String field) {
    JsonNode n = optional(o, name);
    return n == null ? null : money(n, field + "." + name);
  }

  /** "UTC", "Z" and "Etc/UTC" all mean the same zone; keep one so parsed policies compare equal. */
  private static ZoneId normalize(ZoneId zone) {
    ZoneId n = zone.normalized();
    return n.equals(ZoneOffset.UTC) ? ZoneOffset.UTC : zone;
  }

  /** The wire JSON of {@code policy}, without its selector. */
  public static String write(Policy policy) {
    return JsonFields.write(toNode(policy));
  }

  public static ObjectNode toNode(Policy policy) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode o = f.objectNode();
    if (!policy.rateLimits().isEmpty()) {
      ArrayNode limits = o.putArray("rateLimits");
      for (RateLimit r : policy.rateLimits()) {
        ObjectNode l = limits.addObject();
        if (!RateLimit.REQUESTS.equals(r.meter())) {
          l.put("meter", r.meter());
        }
        l.put("limit", r.limit());
        l.put("window", r.window().toString());
        if (r.algorithm() != Algorithm.SLIDING_WINDOW) {
          l.put("algorithm", r.algorithm().wireName());
        }
      }
    }
    Budget budget = policy.budget();
    if (budget != null) {
      ObjectNode b = o.putObject("budget");
      b.put("currency", budget.currency());
      putMoney(b, "daily", budget.daily());
      putMoney(b, "monthly", budget.monthly());
      putMoney(b, "perRequest", budget.perRequest());
      b.put("timezone", zoneText(budget.zone()));
      b.put("resetTime", resetTimeText(budget.resetTime()));
      b.put("resetDay", budget.resetDay());
    }
    if (policy.concurrency() != null) {
      o.put("concurrency", policy.concurrency());
    }
    ArrayNode thresholds = o.putArray("alertThresholds");
    for (BigDecimal t : policy.alertThresholds()) {
      thresholds.addRawValue(JsonFields.plainNumber(t));
    }
    o.put("mode", policy.mode().wireName());
    o.put("failMode", policy.failMode().wireName());
    return o;
  }

  /** A budget's zone as a policy names it: {@code UTC}, an IANA zone or an offset such as {@code +05:30}. */
  public static String zoneText(ZoneId zone) {
    return zone.equals(ZoneOffset.UTC) ? "UTC" : zone.getId();
  }

  /** A budget's reset time as a policy names it: {@code HH:mm}, with seconds only if it has them. */
  public static String resetTimeText(LocalTime t) {
    return t.getSecond() == 0 && t.getNano() == 0 ? t.format(HOUR_MINUTE) : t.toString();
  }

  private static void putMoney(ObjectNode o, String name, Money amount) {
    if (amount != null) {
      o.put(name, amount.toPlainString());
    }
  }

  private static Set<String> ordered(String... names) {
    return new LinkedHashSet<>(List.of(names));
  }
}
