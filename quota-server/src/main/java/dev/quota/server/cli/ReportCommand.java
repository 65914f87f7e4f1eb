package dev.quota.server.cli;

import dev.quota.Subject;
import dev.quota.ValidationException;
import dev.quota.server.http.Query;
import dev.quota.server.report.CostReport;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code quota report}: the cost report, as JSON or CSV. */
@Command(name = "report", mixinStandardHelpOptions = true, description = "Print the cost report.")
final class ReportCommand implements Callable<Integer> {
  @Mixin Remote remote;
  @Option(names = "--scope", description = "A scope, built-in (user) or of your own (org): with --id that subject's costs, without it those of every subject of the scope")
  String scope;
  @Option(names = "--id", description = "The subject's identifier in --scope") String id;
  @Option(names = "--group-by", description = "provider, tool, subject (of --scope), day or month") String groupBy;
  @Option(names = "--from", description = "First day: a date (2030-01-01), or an instant whose date in --timezone is taken")
  String from;
  @Option(names = "--to", description = "End, exclusive: a date, or an instant rounded up to the next midnight in --timezone")
  String to;
  @Option(names = "--timezone", description = "IANA time zone (Europe/Berlin), UTC, or fixed offset from UTC (+05:30, UTC-03:00) in which --from and --to instants are read; default UTC")
  String timezone;
  @Option(names = "--format", description = "json or csv") String format;

  @Override
  public Integer call() {
    // Checked here by the server's rules where they are the engine's, so a mistake names the option.
    if (scope != null) {
      Subject.validateScope("--scope", scope);
    }
    if (id != null) {
      ValidationException.require(scope != null, "--id", "needs --scope");
      Subject.validateSubjectId("--id", id);
    }
    if (timezone != null && !timezone.isEmpty()) {
      CostReport.zone("--timezone", timezone);
    }
    moment("--from", from);
    moment("--to", to);
    oneOf("--group-by", groupBy, GROUPS);
    oneOf("--format", format, FORMATS);
    ValidationException.require(!"subject".equals(groupBy) || scope != null, "--group-by", "subject needs --scope");
    StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
    add(q, "scope", "--scope", scope);
    add(q, "id", "--id", id);
    add(q, "groupBy", "--group-by", groupBy);
    add(q, "from", "--from", from);
    add(q, "to", "--to", to);
    add(q, "timezone", "--timezone", timezone);
    add(q, "format", "--format", format);
    return PolicyCommand.print(remote, remote.send("GET", "/v1/reports/costs" + q, null), OPTIONS);
  }

  /** The query parameter each option gives, so a refusal names what the user typed. */
  static final Map<String, String> OPTIONS = Map.of("scope", "--scope", "id", "--id",
      "groupBy", "--group-by", "from", "--from", "to", "--to", "timezone", "--timezone", "format", "--format");

  private static final List<String> GROUPS = List.of("provider", "tool", "subject", "day", "month");
  private static final List<String> FORMATS = List.of("json", "csv");

  /** The server's own choices, refused here so the message names the option rather than the query parameter. */
  private static void oneOf(String option, String value, List<String> allowed) {
    if (value != null && !value.isEmpty()) {
      ValidationException.require(allowed.contains(value), option, "must be one of " + String.join(", ", allowed));
    }
  }

  /** A date or instant as the server reads --from and --to; which day it means is the server's to say. */
  private static void moment(String option, String value) {
    if (value != null && !value.isEmpty()) {
      ValidationException.require(Query.moment(value) != null, option, Query.MOMENT_RULE);
    }
  }

  /** Adds the query parameter {@code name} given as {@code option}; an empty one is refused as the server would. */
  static void add(StringJoiner q, String name, String option, String value) {
    if (value != null) {
      ValidationException.require(!value.isEmpty(), option, "must not be empty: give a value or leave the option out");
      q.add(name + "=" + Remote.encode(value));
    }
  }
}
