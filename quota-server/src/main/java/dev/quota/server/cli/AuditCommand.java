package dev.quota.server.cli;

import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code quota audit}: the audit trail, newest first, as {@code GET /v1/audit} answers it. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Print the audit trail, newest first.")
final class AuditCommand implements Callable<Integer> {
  @Mixin Remote remote;
  @Option(names = "--actor", description = "Only changes made with this key name") String actor;
  @Option(names = "--action", description = "policy.create, policy.update, policy.delete, override.create, override.revoke,"
      + " subject.reset, key.issue, key.revoke or alert.redeliver") String action;
  @Option(names = "--target", description = "Only changes to this selector, subject or key name") String target;
  @Option(names = "--from", description = "From this instant or date (inclusive)") String from;
  @Option(names = "--to", description = "To this instant or date (exclusive)") String to;
  @Option(names = "--limit", description = "Entries a page (default 50, at most 500)") String limit;
  @Option(names = "--cursor", description = "The nextCursor of the page before, for the entries after it") String cursor;

  /** The query parameter each option gives, so a refusal names what the user typed. */
  private static final Map<String, String> OPTIONS = Map.of("actor", "--actor", "action", "--action", "target", "--target",
      "from", "--from", "to", "--to", "limit", "--limit", "cursor", "--cursor");

  @Override
  public Integer call() {
    // The server checks every filter; its refusal names each by the option that gave it.
    StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
    ReportCommand.add(q, "actor", "--actor", actor);
    ReportCommand.add(q, "action", "--action", action);
    ReportCommand.add(q, "target", "--target", target);
    ReportCommand.add(q, "from", "--from", from);
    ReportCommand.add(q, "to", "--to", to);
    ReportCommand.add(q, "limit", "--limit", limit);
    ReportCommand.add(q, "cursor", "--cursor", cursor);
    return PolicyCommand.print(remote, remote.send("GET", "/v1/audit" + q, null), OPTIONS);
  }
}
