package dev.quota.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server's refusal in the command line's words: one line a problem, each naming the option the
 * user typed where the field came from one. The server speaks to API clients of its query
 * parameters ({@code from: must be a day before to}); the user typed {@code --from} and {@code
 * --to}, and a problem document printed as it came named neither.
 */
final class Refusal {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROBLEM_TYPE = "urn:quota:problem:";
  /**
   * A word of a rule that may be a field's name: a whole word, not part of a path ({@code
   * meters.requests}, {@code limits[0]}), an option ({@code --to}) or a value ({@code UTC-03:00}).
   */
  private static final Pattern WORD = Pattern.compile("(?<![\\w.\\[\\]/+-])[A-Za-z][A-Za-z0-9_]*(?![\\w.\\[/-])");
  /** What follows a word that is a preposition before a value, not a field: "from 0001-01-01", "from UTC", "to +05:30". */
  private static final Pattern VALUE_AHEAD = Pattern.compile(" [0-9+A-Z]");

  private Refusal() {}

  /**
   * One line a problem of {@code reply}, which the server refused: {@code option: rule} for a field
   * an option in {@code options} (field to option) gave, {@code field: rule} for any other, the
   * server's detail for a refusal that names no field, and the status for an answer that is no
   * problem document (another service behind --url, a proxy's error page).
   */
  static List<String> lines(Remote.Reply reply, Map<String, String> options) {
    JsonNode problem = problem(reply.body());
    if (problem == null) {
      return List.of(notAProblem(reply));
    }
    List<String> lines = new ArrayList<>();
    JsonNode errors = problem.path("errors");
    if (errors.isArray() && !errors.isEmpty()) {
      errors.forEach(e -> lines.add(line(e, options)));
    } else if (problem.path("field").isTextual()) {
      lines.add(line(problem, options));
    } else {
      lines.add(problem.path("detail").asText(problem.path("title").asText("refused with HTTP " + reply.status())));
    }
    return lines;
  }

  /** Whether {@code reply} refuses what the command sent (400), not the key, the server's state or the server itself. */
  static boolean ofInput(Remote.Reply reply) {
    return reply.status() == 400;
  }

  private static String line(JsonNode p, Map<String, String> options) {
    return named(p.path("field").asText(), options) + ": " + rule(p.path("rule").asText(), options);
  }

  /**
   * The field as the user gave it: the option itself, or, for a field inside an option's value
   * ({@code limits.rateLimits[0].limit} of {@code --limits}), the option and the path within it.
   */
  private static String named(String field, Map<String, String> options) {
    if (options.containsKey(field)) {
      return options.get(field);
    }
    for (Map.Entry<String, String> o : options.entrySet()) {
      String within = field.startsWith(o.getKey()) ? field.substring(o.getKey().length()) : "";
      if (within.startsWith(".") || within.startsWith("[")) {
        return o.getValue() + ": " + (within.startsWith(".") ? within.substring(1) : within);
      }
    }
    return field;
  }

  /**
   * The rule, with each field it names named by the option that gave it: "--from: must be a
   * day before --to", "--group-by: subject needs a --scope". Only a word that is exactly a field
   * in {@code options} is replaced, and not where it reads as a preposition before a value (the
   * "from 0001-01-01 to 9999-12-31" of a date's rule, an offset "from UTC").
   */
  private static String rule(String rule, Map<String, String> options) {
    Matcher m = WORD.matcher(rule);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String option = VALUE_AHEAD.matcher(rule).region(m.end(), rule.length()).lookingAt() ? null : options.get(m.group());
      m.appendReplacement(out, Matcher.quoteReplacement(option == null ? m.group() : option));
    }
    return m.appendTail(out).toString();
  }

  /** The body as a problem document of this server, or null if it is none. */
  private static JsonNode problem(String body) {
    try {
      JsonNode node = JSON.readTree(body);
      return node != null && node.isObject() && node.path("type").asText().startsWith(PROBLEM_TYPE) ? node : null;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return null;
    }
  }

  /** An answer this command cannot read: its status, and its first line, which a proxy's page or a plain-text error gives. */
  private static String notAProblem(Remote.Reply reply) {
    String first = reply.body().strip().lines().findFirst().orElse("");
    String shown = first.length() > 200 ? first.substring(0, 200) + "..." : first;
    return "the server answered HTTP " + reply.status() + (shown.isEmpty() ? "" : ": " + shown);
  }
}
