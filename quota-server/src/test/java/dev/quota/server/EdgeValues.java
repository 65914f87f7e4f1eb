package dev.quota.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Values at and past the edges of what a field takes, as JSON text: for any field, and for the
 * kind of field its schema (or, where the schema says no more than "string", its name) shows it to
 * be: an amount, a duration, an instant, a time of day, a time zone, a currency, a selector, one of
 * a set of words.
 */
final class EdgeValues {
  /** Well-formed JSON numbers at and past the edges of every range: a decimal's, a long's, a field's. */
  static final List<String> NUMBERS = List.of("0", "-1", "-0", "1.5", "1.0", "0.5", "1e3", "1E+2", "1e-3", "-1.5",
      "1E+2147483648", "-1E-2147483649", "1e-400", "9007199254740991", "9007199254740992", "9223372036854775807",
      "9223372036854775808", "-9223372036854775809", "99999999999999999999", "123456789012345678901234567890.5",
      "0.0000000001", "0.000000001", "0.999999999", "0.9999999999", "29", "31", "32", "68719476736", "68719476737", "2147483648",
      "1e9", "4294967296");
  /** Text that is no JSON number, or one longer than the parser reads. */
  static final List<String> MALFORMED_NUMBERS = List.of("01", "+1", ".5", "5.", "0x10", "NaN", "Infinity", "-", "1e", "--1",
      "1" + "0".repeat(70));
  /** Text at the edges of any string: blank, padded, control and invisible characters, lone surrogates, lengths. */
  static final List<String> STRINGS = List.of("\"\"", "\" \"", "\"x \"", "\" x\"", "\"\\u00a0x\"", "\"x\\u3000\"", "\"\\t\"",
      "\"a\\u0000b\"", "\"\\u001b[31mred\"", "\"a\\nb\"", "\"\\u202eab\"", "\"a\\u200bb\"", "\"\\ufeffa\"", "\"\\ud800\"",
      "\"\\udc00x\"", "\"\\ud83d\\ude00\"", "\"\u00e9\"", "\"\u03a9\"", "\"*\"", "\",\"", "\":\"", "\"a,b\"", "\"../../etc\"",
      "\"%41\"", "\"null\"", "\"true\"", "\"0\"", "\"-1\"", quoted("x".repeat(65)), quoted("x".repeat(129)), quoted("x".repeat(1001)),
      quoted("\u00e9".repeat(1001)), quoted("\\ud83d\\ude00".repeat(1000)), quoted("x".repeat(5000)), quoted("x".repeat(40_000)));
  private static final List<String> DECIMALS = List.of("", "0", "-1", "-0", "1.5", "1.0000000001", "0.000000001",
      "9007199.254740991", "9007199.254740992", "99999999999999999999", "1e3", "1E+2147483648", " 1", "1 ", "+1", ".5", "5.",
      "0x10", "NaN", "Infinity", "\u0661", "\uff11", "1,5", "1_000", "0".repeat(40), "1" + "0".repeat(31), "1." + "0".repeat(30),
      "00.5", "0.000000000", "4503599.627370496", "1000000", "0.01", "0.000000002");
  private static final List<String> DURATIONS = List.of("PT0S", "PT0.001S", "PT0.0000001S", "PT0.999S", "PT1S", "PT-1S", "P-1D",
      "-PT1H", "PT1M0.5S", "PT24H", "PT24H0.000000001S", "P1D", "P365D", "P3650D", "P3650DT0.000000001S", "P36500D",
      "P106751991167300D", "P106751991167301D", "PT9223372036854775807S", "PT2562047788015215H", "PT153722867280912930M",
      "pt1h", "P1Y", "P1M", "P1W", "PT", "P", "PT1.5H", "PT1H ", "P0D", "PT0.5S", "PT86400S", "PT3600.5S");
  private static final List<String> INSTANTS = List.of("2030-01-15T12:00:00Z", "2030-01-15T12:00:00.000000001Z",
      "2030-01-15T12:00:01Z", "2030-01-15T11:59:59Z", "2040-01-13T12:00:00Z", "2040-01-12T12:00:00Z", "2039-12-31T00:00:00Z",
      "+10000-01-01T00:00:00Z", "2030-01-15T13:00:00+01:00", "2030-01-15 12:00:00Z", "2030-01-15", "1970-01-01T00:00:00Z",
      "-1000000000-01-01T00:00:00Z", "+1000000000-01-01T00:00:00Z", "+999999999-12-31T23:59:59.999999999Z", "2030-02-30T00:00:00Z",
      "2030-01-15T24:00:00Z", "2030-01-15T23:59:60Z", "9999-12-31T23:59:59Z");
  private static final List<String> TIMES = List.of("00:00", "24:00", "23:59", "23:59:59", "23:59:59.999999999", "00:00:60",
      "0:00", "00:00Z", "12:00+01:00", "-01:00", "12", "12:00:00:00", "25:00", "\u0661\u0662:00");
  private static final List<String> ZONES = List.of("UTC", "Z", "+14:00", "+18:00", "-18:00", "+18:01", "Europe/Paris", "EST",
      "SystemV/AST4", "GMT+14", "UTC+25", "Etc/GMT-14", "Asia/Kathmandu", "America/St_Johns", "Antarctica/Troll",
      "Pacific/Kiritimati", "Pacific/Apia", "europe/paris", "GMT0", "Mars/Olympus", "+05:30:15", "UT", "CET");
  private static final List<String> CURRENCIES = List.of("USD", "usd", "EUR", "JPY", "BHD", "XXX", "XAU", "XTS", "BTC", "US",
      "USDD", "\u00dcSD", "CLF");
  private static final List<String> SELECTORS = List.of("user:*", "user:u1", "user:*,tool:*", "user:a,user:b", "tool:x,user:y",
      "user:*,tool:x,team:y", "*:*", "user", ":", "user:", ":x", "team:t1", "user:a:b", "User:a", "user:*,user:*",
      "tool:*,user:u1", "user:u1,tool:*", "user:%20", "user:a b", "user :a");
  private static final List<String> SUBJECTS = List.of("user:u1", "user:*", "user:", ":x", "user:a,b", "tool:x,user:y",
      "team:t1", "user:a:b", "USER:a", "user:a ");
  private static final List<String> NAMES = List.of("tokens", "Tokens", "requests", "requests ", "a-b", "a_b", "a.b", "1a",
      "x".repeat(64), "x".repeat(65), "\u00e9");

  private EdgeValues() {}

  /** String literals for a field named {@code name} of {@code schema}: the kind's own edges, then any string's. */
  static List<String> strings(String name, JsonNode schema) {
    List<String> own = switch (kind(name, schema)) {
      case "decimal" -> DECIMALS;
      case "duration" -> DURATIONS;
      case "instant" -> INSTANTS;
      case "time" -> TIMES;
      case "zone" -> ZONES;
      case "currency" -> CURRENCIES;
      case "selector" -> SELECTORS;
      case "subject" -> SUBJECTS;
      case "name" -> NAMES;
      case "enum" -> words(schema.get("enum"));
      default -> List.of();
    };
    List<String> all = new ArrayList<>();
    own.forEach(s -> all.add(quoted(s)));
    return all;
  }

  /** What a string field holds, by its schema where it says, else by its name. */
  static String kind(String name, JsonNode schema) {
    String pattern = BodyMutations.firstAlternative(schema).path("pattern").asText();
    String example = schema.path("example").asText();
    if (pattern.contains("\\d+(\\.")) {
      return "decimal";
    }
    if (pattern.contains("[A-Z]{3}")) {
      return "currency";
    }
    if (schema.has("enum")) {
      return "enum";
    }
    if (schema.path("format").asText().equals("date-time")) {
      return "instant";
    }
    if (example.startsWith("PT") || name.equals("duration") || name.equals("ttl")) {
      return "duration";
    }
    return switch (name) {
      case "resetTime" -> "time";
      case "timezone" -> "zone";
      case "selector" -> "selector";
      case "meter", "name" -> "name";
      default -> name.matches("subjects\\[\\d+]") ? "subject" : "text";
    };
  }

  /** Each word of a set, and near misses: another letter case, padded, empty. */
  private static List<String> words(JsonNode values) {
    List<String> out = new ArrayList<>();
    values.forEach(v -> {
      out.add(v.asText());
      out.add(v.asText().toUpperCase(Locale.ROOT));
      out.add(v.asText() + " ");
    });
    out.add("");
    return out;
  }

  static String quoted(String s) {
    return "\"" + s + "\"";
  }
}
