package dev.quota.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.ValidationException;
import dev.quota.admin.AuditText;
import dev.quota.jdbc.json.PolicyJson;
import dev.quota.server.config.ConfigFile;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quota policy apply|export|list|get|delete}, against a running server. */
@Command(name = "policy", mixinStandardHelpOptions = true, description = "Manage policies on a running server.",
    subcommands = {PolicyCommand.Apply.class, PolicyCommand.Export.class, PolicyCommand.ListPolicies.class, PolicyCommand.Get.class,
        PolicyCommand.Delete.class})
final class PolicyCommand implements Runnable {
  private static final ObjectMapper JSON = new ObjectMapper();

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /** No subcommand given: a usage error, as for {@code quota} alone, showing the usage as {@code quota policy}. */
  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  /**
   * Prints the body of an answer as it came, ending in one line break: a CSV body has its own, and
   * a second is an empty row. A refusal fails the command, naming the option in {@code options}
   * (field to option) that gave each field it names.
   */
  static int print(Remote remote, Remote.Reply r, Map<String, String> options) {
    if (!r.ok()) {
      throw remote.refused(r, options);
    }
    if (r.body().endsWith("\n")) {
      System.out.print(r.body());
      System.out.flush();
    } else {
      System.out.println(r.body());
    }
    return 0;
  }

  /** The reason each change takes, as the server names it and as the commands that send it take it. */
  private static final Map<String, String> REASON = Map.of("reason", "--reason");

  /** {@code apply --dry-run --exit-code} when the server differs from the file: as git diff --exit-code, but clear of 1 and 2, the failures. */
  static final int CHANGES_PENDING = 3;

  @Command(name = "apply", mixinStandardHelpOptions = true, description = "Apply the policies declared in a YAML file; shows the diff first.")
  static final class Apply implements Callable<Integer> {
    @Mixin Remote remote;
    @Option(names = {"-f", "--file"}, required = true, description = "YAML file with a policies: section") Path file;
    @Option(names = "--dry-run", description = "Only show what would change") boolean dryRun;
    @Option(names = "--exit-code", description = "With --dry-run: exit 3 if applying would change something, 0 if not")
    boolean exitCode;
    @Option(names = "--prune", description = "Also delete the policies the server has and the file does not declare") boolean prune;
    @Option(names = "--reason", description = "Reason recorded in the audit trail") String reason = "quota policy apply";

    @Override
    public Integer call() throws Exception {
      AuditText.requireReason("--reason", reason);
      // Applying, the changes are made: an exit code for them would fail a script that did its job.
      ValidationException.require(!exitCode || dryRun, "--exit-code", "only with --dry-run");
      Map<Selector, Policy> wanted;
      try {
        // Often run away from the server (from CI): its host need not resolve here.
        ConfigFile config = ConfigFile.readAwayFromServer(file);
        wanted = config.policies();
        if (prune && !config.declaresPolicies()) {
          // Pruning against a file that says nothing about policies would delete every one.
          System.err.println("--prune: the file has no policies: section, so every policy on the server would be deleted;"
              + " write \"policies: {}\" to mean that");
          return 2;
        }
      } catch (ConfigFile.Invalid e) {
        // One problem a line, each naming the file, as check-config lists them.
        e.problems().forEach(System.err::println);
        return 2;
      }
      Listing listing = Listing.of(remote);
      Map<String, String> existing = listing.policies();
      Map<String, String> tags = listing.tags();
      Map<String, String> next = new LinkedHashMap<>();
      wanted.forEach((selector, policy) -> next.put(selector.toString(), PolicyJson.write(policy)));
      List<String> leftOut = existing.keySet().stream().filter(s -> !next.containsKey(s)).toList();
      PrintStream out = System.out;
      int changes = 0;
      for (Map.Entry<String, String> e : next.entrySet()) {
        String s = e.getKey();
        String before = existing.get(s);
        if (e.getValue().equals(before)) {
          out.println("  " + s + " (unchanged)");
          continue;
        }
        changes++;
        if (before != null) {
          out.println("- " + s + " " + before);
        }
        out.println("+ " + s + " " + e.getValue());
      }
      // Shown either way: a diff that left them out would call a server matching the file when it does not.
      for (String s : leftOut) {
        out.println(prune ? "- " + s + " " + existing.get(s) : "  " + s + " (not in the file; kept: --prune deletes it)");
      }
      if (prune) {
        changes += leftOut.size();
      }
      if (dryRun || changes == 0) {
        out.println(changes + " change(s)" + (dryRun ? " (dry run, nothing applied)" : ""));
        return exitCode && changes > 0 ? CHANGES_PENDING : 0;
      }
      int pending = 0;
      for (Map.Entry<String, String> e : next.entrySet()) {
        String s = e.getKey();
        String before = existing.get(s);
        if (e.getValue().equals(before)) {
          continue;
        }
        String path = "/v1/policies/" + Remote.encode(s) + "?reason=" + Remote.encode(reason);
        // A selector the diff shows as new is created only, and one it shows as changed is replaced
        // only in the version listed: a policy someone made or changed since the listing is not
        // replaced unseen, and the server refuses with 412 instead. (A server that lists no tags
        // predates If-Match and gets a plain replace.)
        Remote.Reply r = before == null ? remote.send("PUT", path, e.getValue(), "If-None-Match", "*")
            : tags.containsKey(s) ? remote.send("PUT", path, e.getValue(), "If-Match", tags.get(s))
            : remote.send("PUT", path, e.getValue());
        if (r.status() == 412) {
          String meanwhile = before == null ? "created meanwhile by someone else, so it was not replaced"
              : JSON.readTree(r.body()).has("etag") ? "changed meanwhile by someone else, so it was not replaced"
              : "deleted meanwhile by someone else, so it was not created again";
          System.err.println(s + ": " + meanwhile + "; run again to see the difference");
          return 1;
        }
        Integer failed = failure(s, r);
        if (failed != null) {
          return failed;
        }
        pending += r.pending() ? 1 : 0;
      }
      // Deleted last: a run that stops part way leaves a policy too many in force, never a gap.
      for (String s : prune ? leftOut : List.<String>of()) {
        String path = "/v1/policies/" + Remote.encode(s) + "?reason=" + Remote.encode(reason);
        Remote.Reply r = tags.containsKey(s) ? remote.send("DELETE", path, null, "If-Match", tags.get(s))
            : remote.send("DELETE", path, null);
        if (r.status() == 412 && JSON.readTree(r.body()).has("etag")) {
          System.err.println(s + ": changed meanwhile by someone else, so it was not deleted; run again to see the difference");
          return 1;
        }
        // Deleted meanwhile by someone else (412 without a tag, or 404 from a server without tags): gone as wanted.
        if (r.status() == 412 || r.status() == 404) {
          continue;
        }
        Integer failed = failure(s, r);
        if (failed != null) {
          return failed;
        }
        pending += r.pending() ? 1 : 0;
      }
      if (pending == 0) {
        out.println(changes + " change(s) applied");
      } else {
        // Stored and audited all the same: running the command again would find nothing to change.
        out.println(changes + " change(s) stored; " + pending
            + " not yet in force on the server, which applies them at its next reload (within seconds)");
      }
      return 0;
    }

    /** The exit code of a write the server refused, each problem printed; null if it did not refuse it. */
    private static Integer failure(String selector, Remote.Reply r) {
      if (r.ok()) {
        return null;
      }
      // Named by selector, as the file declares it; the fields a problem names are those of its policy there.
      Refusal.lines(r, REASON).forEach(line -> System.err.println(selector + ": " + line));
      return Refusal.ofInput(r) ? 2 : 1;
    }
  }

  /**
   * The server's policies as {@code GET /v1/policies} lists them: each selector's policy in the wire
   * JSON, in the listing's order, and each one's tag where the server gives it.
   */
  record Listing(Map<String, String> policies, Map<String, String> tags) {
    static Listing of(Remote remote) {
      Remote.Reply current = remote.send("GET", "/v1/policies", null);
      if (!current.ok()) {
        throw remote.refused(current);
      }
      Map<String, String> policies = new LinkedHashMap<>();
      Map<String, String> tags = new HashMap<>();
      for (JsonNode p : listed(current.body())) {
        String selector = p.get("selector").asText();
        JsonNode body = ((com.fasterxml.jackson.databind.node.ObjectNode) p.deepCopy()).without(List.of("selector", "etag"));
        policies.put(selector, PolicyJson.write(readListed(selector, body)));
        if (p.hasNonNull("etag")) {
          tags.put(selector, p.get("etag").asText());
        }
      }
      return new Listing(policies, tags);
    }
  }

  /**
   * The policies a listing holds. An answer that is not one (--url names another service, a proxy's
   * page) fails the command saying so, rather than with the parser's words or a null dereference.
   */
  static List<JsonNode> listed(String answer) {
    JsonNode policies;
    try {
      policies = JSON.readTree(answer).path("policies");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      policies = null;
    }
    List<JsonNode> out = new ArrayList<>();
    if (policies != null && policies.isArray()) {
      policies.forEach(out::add);
    }
    if (policies == null || !policies.isArray() || out.stream().anyMatch(p -> !p.isObject() || !p.path("selector").isTextual())) {
      throw new Failures.CommandFailed("the answer to GET /v1/policies is not a list of policies: is --url a Quota server?");
    }
    return out;
  }

  /** A listed policy; one this command cannot read is the server's fault, not the file's, so it is no usage error. */
  private static Policy readListed(String selector, JsonNode body) {
    try {
      return PolicyJson.readStored(body, Selector.parseStored(selector), "");
    } catch (ValidationException e) {
      throw new Failures.CommandFailed("the server listed " + selector + " in a form this command cannot read ("
          + e.getMessage() + "): is --url a Quota server of this version?");
    }
  }

  /**
   * The server's policies as a file {@code policy apply} takes: a {@code policies:} section, one
   * policy a line in the wire JSON (which YAML reads as it is), so applying it changes nothing and
   * exporting again gives the same bytes. No policies is written {@code policies: {}}, which
   * {@code apply --prune} takes as meant.
   */
  @Command(name = "export", mixinStandardHelpOptions = true, description = "Print the server's policies as a file policy apply takes.")
  static final class Export implements Callable<Integer> {
    @Mixin Remote remote;

    @Override
    public Integer call() throws Exception {
      Map<String, String> policies = Listing.of(remote).policies();
      StringBuilder out = new StringBuilder(policies.isEmpty() ? "policies: {}\n" : "policies:\n");
      for (Map.Entry<String, String> p : policies.entrySet()) {
        // A JSON string is a YAML double-quoted scalar: a selector's ',' and '*' need the quotes.
        out.append("  ").append(JSON.writeValueAsString(p.getKey())).append(": ").append(p.getValue()).append('\n');
      }
      System.out.print(out);
      System.out.flush();
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List policies.")
  static final class ListPolicies implements Callable<Integer> {
    @Mixin Remote remote;

    @Override
    public Integer call() {
      return print(remote, remote.send("GET", "/v1/policies", null), Map.of());
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true, description = "Show one policy.")
  static final class Get implements Callable<Integer> {
    @Mixin Remote remote;
    @Parameters(description = "Selector, e.g. user:* or user:*,tool:image_gen") String selector;

    @Override
    public Integer call() {
      // By the route's rule: a policy stored under a padded selector can be shown, and deleted.
      Selector.parseStored(selector);
      return print(remote, remote.send("GET", "/v1/policies/" + Remote.encode(selector), null), Map.of());
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete one policy.")
  static final class Delete implements Callable<Integer> {
    @Mixin Remote remote;
    @Parameters(description = "Selector") String selector;
    @Option(names = "--reason", description = "Reason recorded in the audit trail") String reason = "quota policy delete";

    @Override
    public Integer call() {
      Selector.parseStored(selector);
      AuditText.requireReason("--reason", reason);
      Remote.Reply r = remote.send("DELETE", "/v1/policies/" + Remote.encode(selector) + "?reason=" + Remote.encode(reason), null);
      if (!r.ok()) {
        throw remote.refused(r, REASON);
      }
      System.out.println("deleted " + selector);
      return 0;
    }
  }
}
