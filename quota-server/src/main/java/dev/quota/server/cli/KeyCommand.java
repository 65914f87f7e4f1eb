package dev.quota.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.Subject;
import dev.quota.ValidationException;
import dev.quota.admin.AuditText;
import dev.quota.server.auth.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quota key issue|list|revoke}: API keys of a running server. */
@Command(name = "key", mixinStandardHelpOptions = true, description = "Manage API keys on a running server.",
    subcommands = {KeyCommand.Issue.class, KeyCommand.ListKeys.class, KeyCommand.Revoke.class})
final class KeyCommand implements Runnable {
  private static final ObjectMapper JSON = new ObjectMapper();

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /** No subcommand given: a usage error, as for {@code quota policy}. */
  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  /** The body field each option gives, so a refusal names what the user typed. */
  private static final Map<String, String> OPTIONS = Map.of("role", "--role", "subjects", "--subject", "reason", "--reason");

  /**
   * Prints the key alone on standard output, so a script can capture it; the server shows it this
   * once, and says nothing of it again.
   */
  @Command(name = "issue", mixinStandardHelpOptions = true, description = "Issue an API key; prints it, once.")
  static final class Issue implements Callable<Integer> {
    @Mixin Remote remote;
    @Parameters(description = "Name, the actor in the audit trail: 1-64 letters, digits, '.', '_' or '-'") String name;
    @Option(names = "--role", required = true, description = "admin, service or viewer") String role;
    @Option(names = "--subject", paramLabel = "<scope:id>", description = "A subject a viewer key may read, scope:id; repeat for more") List<String> subjects =
        new ArrayList<>();
    @Option(names = "--reason", description = "Reason recorded in the audit trail") String reason = "quota key issue";

    @Override
    public Integer call() throws Exception {
      // The server's rules, checked here where they concern options, so a mistake names the option.
      Role r = Role.fromWire("--role", role);
      subjects.forEach(s -> Subject.parse("--subject", s));
      ValidationException.require(r != Role.VIEWER || !subjects.isEmpty(), "--subject", "a viewer key needs at least one");
      ValidationException.require(r == Role.VIEWER || subjects.isEmpty(), "--subject", "only a viewer key is bound to subjects");
      AuditText.requireReason("--reason", reason);
      ObjectNode body = JSON.createObjectNode().put("name", name).put("role", role);
      subjects.forEach(body.putArray("subjects")::add);
      body.put("reason", reason);
      Remote.Reply reply = remote.send("POST", "/v1/keys", JSON.writeValueAsString(body));
      if (!reply.ok()) {
        throw remote.refused(reply, OPTIONS);
      }
      JsonNode issued = JSON.readTree(reply.body());
      System.out.println(issued.path("key").asText());
      System.err.println("issued " + role + " key " + name + ": the key above is shown only this once");
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List API keys: names, roles, subjects; never the keys.")
  static final class ListKeys implements Callable<Integer> {
    @Mixin Remote remote;

    @Override
    public Integer call() {
      return PolicyCommand.print(remote, remote.send("GET", "/v1/keys", null), Map.of());
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke an API key.")
  static final class Revoke implements Callable<Integer> {
    @Mixin Remote remote;
    @Parameters(description = "The key's name") String name;
    @Option(names = "--reason", description = "Reason recorded in the audit trail") String reason = "quota key revoke";

    @Override
    public Integer call() {
      AuditText.requireReason("--reason", reason);
      Remote.Reply r = remote.send("DELETE", "/v1/keys/" + Remote.encode(name) + "?reason=" + Remote.encode(reason), null);
      if (!r.ok()) {
        throw remote.refused(r, Map.of("reason", "--reason"));
      }
      System.out.println("revoked " + name);
      return 0;
    }
  }
}
