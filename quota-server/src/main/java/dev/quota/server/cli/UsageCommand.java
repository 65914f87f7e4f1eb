package dev.quota.server.cli;

import dev.quota.Subject;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code quota usage SCOPE ID}: a subject's counters against their limits. */
@Command(name = "usage", mixinStandardHelpOptions = true, description = "Show a subject's counters against their limits.")
final class UsageCommand implements Callable<Integer> {
  @Mixin Remote remote;
  @Parameters(index = "0", description = "Scope, e.g. user") String scope;
  @Parameters(index = "1", description = "Identifier") String id;

  @Override
  public Integer call() {
    // Checked here by the server's rules, so a mistake names the argument rather than a route.
    Subject.validateScope("scope", scope);
    Subject.validateSubjectId("id", id);
    return PolicyCommand.print(remote, remote.send("GET", "/v1/usage/" + Remote.encode(scope) + "/" + Remote.encode(id), null), Map.of());
  }
}
