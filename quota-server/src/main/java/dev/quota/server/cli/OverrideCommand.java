package dev.quota.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.Selector;
import dev.quota.ValidationException;
import dev.quota.admin.AuditText;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quota override create|list|revoke}: temporary limits or a bypass for one selector, on a running server. */
@Command(name = "override", mixinStandardHelpOptions = true, description = "Manage temporary overrides on a running server.",
    subcommands = {OverrideCommand.Create.class, OverrideCommand.ListOverrides.class, OverrideCommand.Revoke.class})
final class OverrideCommand implements Runnable {
  private static final ObjectMapper JSON = new ObjectMapper();

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /** No subcommand given: a usage error, as for {@code quota policy}. */
  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  /** The body field each option gives, so a refusal names what the user typed. */
  private static final Map<String, String> OPTIONS = Map.of("limits", "--limits", "bypass", "--bypass",
      "expiresAt", "--expires-at", "duration", "--duration", "reason", "--reason");

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Other limits for a selector, or --bypass, until an expiry.")
  static final class Create implements Callable<Integer> {
    @Mixin Remote remote;
    @Parameters(description = "Selector, e.g. user:alice or user:*,tool:image_gen") String selector;
    @ArgGroup(exclusive = true, multiplicity = "1") What what;
    @ArgGroup(exclusive = true, multiplicity = "1") Until until;
    @Option(names = "--reason", description = "Why, recorded in the audit trail (required)") String reason;

    static final class What {
      @Option(names = "--limits", required = true, paramLabel = "<json>",
          description = "The limits instead of the policy's: a policy in JSON, as policy export writes one") String limits;
      @Option(names = "--bypass", required = true,
          description = "Lift the limits: calls are counted but not denied") boolean bypass;
    }

    static final class Until {
      @Option(names = "--expires-at", required = true, paramLabel = "<instant>", description = "Expiry, an instant (2030-01-01T00:00:00Z)") String expiresAt;
      @Option(names = "--duration", required = true, description = "Expiry from now, ISO-8601 (PT1H, P2D)") String duration;
    }

    @Override
    public Integer call() throws Exception {
      // The selector and reason by the server's rules, so a mistake names the argument; the rest is the server's to check.
      Selector.parse(selector);
      AuditText.requireGivenReason("--reason", reason);
      ObjectNode body = JSON.createObjectNode().put("selector", selector);
      if (what.bypass) {
        body.put("bypass", true);
      } else {
        body.set("limits", limits(what.limits));
      }
      if (until.expiresAt != null) {
        body.put("expiresAt", until.expiresAt);
      } else {
        body.put("duration", until.duration);
      }
      body.put("reason", reason);
      Remote.Reply r = remote.send("POST", "/v1/overrides", JSON.writeValueAsString(body));
      PolicyCommand.print(remote, r, OPTIONS);
      if (r.pending()) {
        System.err.println("stored; not yet in force on the server, which applies it at its next reload (within seconds)");
      }
      return 0;
    }

    private static JsonNode limits(String json) {
      JsonNode node;
      try {
        node = JSON.readTree(json);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        node = null;
      }
      ValidationException.require(node != null && node.isObject(), "--limits",
          "must be a policy as a JSON object, e.g. {\"rateLimits\":[{\"limit\":100,\"window\":\"PT1M\"}]}");
      return node;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List overrides in force.")
  static final class ListOverrides implements Callable<Integer> {
    @Mixin Remote remote;
    @Option(names = "--include-expired", description = "Also those past their expiry") boolean includeExpired;

    @Override
    public Integer call() {
      return PolicyCommand.print(remote, remote.send("GET", "/v1/overrides" + (includeExpired ? "?includeExpired=true" : ""), null),
          Map.of());
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke an override before its expiry.")
  static final class Revoke implements Callable<Integer> {
    @Mixin Remote remote;
    @Parameters(description = "The override's id, as override list shows it") String id;
    @Option(names = "--reason", description = "Reason recorded in the audit trail") String reason = "quota override revoke";

    @Override
    public Integer call() {
      AuditText.requireReason("--reason", reason);
      Remote.Reply r = remote.send("DELETE", "/v1/overrides/" + Remote.encode(id) + "?reason=" + Remote.encode(reason), null);
      if (!r.ok()) {
        throw remote.refused(r, Map.of("reason", "--reason"));
      }
      System.out.println("revoked " + id + (r.pending() ? " (not yet in force on the server; it applies it at its next reload)" : ""));
      return 0;
    }
  }
}
