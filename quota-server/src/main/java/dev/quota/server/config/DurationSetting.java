package dev.quota.server.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * A setting written as an ISO-8601 duration within bounds, such as {@code redisTimeout: PT0.5S}:
 * read alike from its key in the YAML file and from its environment variable, and refused with one
 * rule that names where it was given.
 *
 * @param key the file's key
 * @param env the environment variable that overrides the file
 * @param min the shortest accepted, inclusive
 * @param max the longest accepted, inclusive
 * @param example a value to show in the rule
 */
public record DurationSetting(String key, String env, Duration min, Duration max, String example) {
  /** What a value must be, named after {@code source}: the file's key or the environment variable. */
  public String rule(String source) {
    return source + ": must be an ISO-8601 duration between " + text(min) + " and " + text(max) + ", such as " + example;
  }

  /** {@code text} as a duration, or null if it is not one or lies outside the bounds. */
  Duration parse(String text) {
    Duration d;
    try {
      d = Duration.parse(text.trim());
    } catch (DateTimeParseException e) {
      return null;
    }
    return d.compareTo(min) < 0 || d.compareTo(max) > 0 ? null : d;
  }

  /** As an operator writes it: whole days as {@code P32D}, not as {@code Duration}'s {@code PT768H}. */
  private static String text(Duration d) {
    return d.toSeconds() % 86_400 == 0 && d.toNanosPart() == 0 ? "P" + d.toDays() + "D" : d.toString();
  }
}
