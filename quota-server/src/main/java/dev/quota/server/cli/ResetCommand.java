package dev.quota.server.cli;

import dev.quota.Subject;
import dev.quota.admin.AuditText;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quota reset SCOPE ID}: clears a subject's own counters on a running server; the ledger keeps its history. */
@Command(name = "reset", mixinStandardHelpOptions = true, description = "Reset a subject's counters (windows, budgets, slots).")
final class ResetCommand implements Callable<Integer> {
  @Mixin Remote remote;
  @Parameters(index = "0", description = "Scope, e.g. user") String scope;
  @Parameters(index = "1", description = "Identifier") String id;
  @Option(names = "--reason", description = "Reason recorded in the audit trail") String reason = "quota reset";

  @Override
  public Integer call() {
    // Checked here by the server's rules, so a mistake names the argument rather than a route.
    Subject.validateScope("scope", scope);
    Subject.validateSubjectId("id", id);
    AuditText.requireReason("--reason", reason);
    Remote.Reply r = remote.send("POST", "/v1/subjects/" + Remote.encode(scope) + "/" + Remote.encode(id) + "/reset?reason="
        + Remote.encode(reason), null);
    if (!r.ok()) {
      throw remote.refused(r, Map.of("reason", "--reason"));
    }
    System.out.println("reset " + scope + ":" + id);
    return 0;
  }
}
