package dev.quota.server.cli;

import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code quota report}: the cost report, as JSON or CSV. */
@Command(name = "report", mixinStandardHelpOptions = true, description = "Print the cost report.")
final class ReportCommand implements Callable<Integer> {
  @Mixin Remote remote;
  @Option(names = "--scope") String scope;
  @Option(names = "--id") String id;
  @Option(names = "--group-by", description = "provider, tool, subject, day or month") String groupBy;
  @Option(names = "--from") String from;
  @Option(names = "--to") String to;
  @Option(names = "--format", description = "json or csv") String format;

  @Override
  public Integer call() {
    StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
    add(q, "scope", scope);
    add(q, "id", id);
    add(q, "groupBy", groupBy);
    add(q, "from", from);
    add(q, "to", to);
    add(q, "format", format);
    return PolicyCommand.print(remote.send("GET", "/v1/reports/costs" + q, null));
  }

  private static void add(StringJoiner q, String name, String value) {
    if (value != null) {
      q.add(name + "=" + Remote.encode(value));
    }
  }
}
