package dev.quota.server.http;

import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * The query parameters one operation takes, declared where its route is registered, and the check
 * every request to it passes before its handler reads any. The servlet layer ignores a parameter
 * nobody reads, keeps the first of two and lets an empty one read as absent, so a misspelt filter,
 * a repeated one or {@code id=} with no value would quietly answer something else than was asked:
 * each is refused by name (400) instead.
 */
public final class QueryParameters {
  /** An operation that takes no query parameters. */
  public static final QueryParameters NONE = new QueryParameters(Set.of());

  private final Set<String> names;
  private final String unknownRule;

  private QueryParameters(Set<String> names) {
    this.names = Set.copyOf(names);
    this.unknownRule = names.isEmpty()
        ? "is not a known parameter: this operation takes no query parameters"
        : "is not a known parameter (known: " + String.join(", ", new TreeSet<>(names)) + ")";
  }

  public static QueryParameters of(String... names) {
    return new QueryParameters(Set.of(names));
  }

  public Set<String> names() {
    return names;
  }

  /**
   * Refuses, naming the parameter, one this operation does not take, one given more than once and
   * one given without a value ({@code ?id=} or {@code ?id}); an empty pair ({@code a=1&&b=2}) says
   * nothing and passes.
   */
  public void requireValid(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return; // decisions carry no query: nothing to do on the hot path
    }
    Set<String> seen = new HashSet<>();
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = PercentDecoding.decodedOrNull(eq < 0 ? pair : pair.substring(0, eq), true);
      if (name == null) {
        throw ApiError.badInput("query", PercentDecoding.RULE);
      }
      if (name.isEmpty()) {
        throw ApiError.badInput("query", "each parameter must have a name (name=value)");
      }
      if (!names.contains(name)) {
        throw ApiError.badInput(name, unknownRule);
      }
      if (!seen.add(name)) {
        throw ApiError.badInput(name, "must be given at most once");
      }
      if (eq < 0 || eq == pair.length() - 1) {
        throw ApiError.badInput(name, "must not be empty: give a value or leave the parameter out");
      }
    }
  }
}
