package dev.quota.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.quota.server.Api;
import dev.quota.server.RefusingTrigger;
import dev.quota.server.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quota policy apply} against a real server. Between the listing its diff is made from and
 * its writes, another admin may act: the requests pass through a relay that lets the test do so at
 * exactly that moment, and records what the command sent.
 */
class PolicyApplyTest {
  @TempDir Path dir;
  private TestServer server;
  private Relay relay;

  @BeforeEach
  void start() throws IOException {
    server = TestServer.embedded();
    relay = new Relay("http://127.0.0.1:" + server.server().port());
  }

  @AfterEach
  void stop() {
    relay.close();
    server.close();
  }

  private CliRun apply(String yaml, String... options) throws IOException {
    Path file = dir.resolve("quota.yaml");
    Files.writeString(file, yaml);
    List<String> args = new java.util.ArrayList<>(List.of("policy", "apply", "-f", file.toString(), "--reason", "from file",
        "--url", relay.url(), "--key", TestServer.ADMIN_KEY));
    args.addAll(List.of(options));
    return CliRun.of(args.toArray(String[]::new));
  }

  private static String policies(String... selectorAndLimit) {
    StringBuilder y = new StringBuilder("policies:\n");
    for (int i = 0; i < selectorAndLimit.length; i += 2) {
      y.append("  \"").append(selectorAndLimit[i]).append("\":\n    rateLimits: [{limit: ")
          .append(selectorAndLimit[i + 1]).append(", window: PT1M}]\n");
    }
    return y.toString();
  }

  private long limitOf(String selector) {
    return server.admin.get("/v1/policies/" + selector).json().at("/rateLimits/0/limit").asLong();
  }

  @Test
  void aSelectorTheDiffShowsAsNewIsCreatedOnlyAndAChangedOneIsReplacedOnlyInTheVersionListed() throws IOException {
    Api.Response old = server.admin.put("/v1/policies/team:old", "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1M\"}]}");
    assertThat(old.status()).isEqualTo(201);

    CliRun o = apply(policies("team:old", "2", "team:new", "3"));

    assertThat(o.exit()).as(o.err()).isZero();
    assertThat(o.out()).contains("+ team:new ", "- team:old ", "+ team:old ", "2 change(s) applied");
    assertThat(limitOf("team:old")).isEqualTo(2);
    assertThat(limitOf("team:new")).isEqualTo(3);
    assertThat(relay.writes()).containsExactlyInAnyOrder(
        "PUT /v1/policies/team:new If-None-Match: *", "PUT /v1/policies/team:old If-Match: " + old.header("ETag"));
  }

  /**
   * A policy the server has and the file does not is shown in the diff, and kept; with --prune it is
   * deleted (in the version listed), audited once, and running again finds nothing left to change.
   */
  @Test
  void aPolicyLeftOutOfTheFileIsShownAndKeptUnlessPruned() throws IOException {
    assertThat(server.admin.put("/v1/policies/team:keep", "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1M\"}]}").status())
        .isEqualTo(201);
    Api.Response gone = server.admin.put("/v1/policies/team:gone", "{\"rateLimits\":[{\"limit\":4,\"window\":\"PT1M\"}]}");
    assertThat(gone.status()).isEqualTo(201);

    CliRun kept = apply(policies("team:keep", "1"));
    assertThat(kept.exit()).as(kept.err()).isZero();
    assertThat(kept.out()).contains("  team:gone (not in the file; kept: --prune deletes it)", "0 change(s)");
    assertThat(limitOf("team:gone")).isEqualTo(4);

    CliRun dry = apply(policies("team:keep", "1"), "--prune", "--dry-run");
    assertThat(dry.exit()).as(dry.err()).isZero();
    assertThat(dry.out()).contains("- team:gone {\"rateLimits\":[{\"limit\":4,", "1 change(s) (dry run, nothing applied)");
    assertThat(limitOf("team:gone")).isEqualTo(4);
    assertThat(relay.writes()).isEmpty();

    CliRun pruned = apply(policies("team:keep", "1"), "--prune");
    assertThat(pruned.exit()).as(pruned.err()).isZero();
    assertThat(pruned.out()).contains("- team:gone ", "1 change(s) applied");
    assertThat(server.admin.get("/v1/policies/team:gone").status()).isEqualTo(404);
    assertThat(limitOf("team:keep")).isEqualTo(1);
    assertThat(relay.writes()).containsExactly("DELETE /v1/policies/team:gone If-Match: " + gone.header("ETag"));
    JsonNode trail = server.admin.get("/v1/audit?action=policy.delete").json().get("entries");
    assertThat(trail).hasSize(1);
    assertThat(trail.get(0).get("target").asText()).isEqualTo("team:gone");
    assertThat(trail.get(0).get("reason").asText()).isEqualTo("from file");

    CliRun again = apply(policies("team:keep", "1"), "--prune");
    assertThat(again.out()).contains("0 change(s)");
    assertThat(server.admin.get("/v1/audit").json().get("entries")).hasSize(3);
  }

  /**
   * A dry run with --exit-code tells drift by its exit code alone, as git diff --exit-code does: 3
   * while applying would change something (a policy the file lacks only with --prune), 0 once the
   * server matches the file; either way nothing is written.
   */
  @Test
  void aDryRunWithExitCodeExitsThreeWhileTheServerDiffersFromTheFileAndZeroOnceItMatches() throws IOException {
    assertThat(server.admin.put("/v1/policies/team:a", "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1M\"}]}").status())
        .isEqualTo(201);

    CliRun changed = apply(policies("team:a", "2"), "--dry-run", "--exit-code");
    assertThat(changed.exit()).as(changed.err()).isEqualTo(3);
    assertThat(changed.out()).contains("1 change(s) (dry run, nothing applied)");
    assertThat(changed.err()).isEmpty();
    assertThat(limitOf("team:a")).isEqualTo(1);
    assertThat(apply(policies("team:a", "2"), "--dry-run").exit()).isZero();

    assertThat(apply(policies("team:a", "2")).exit()).isZero();
    CliRun matching = apply(policies("team:a", "2"), "--dry-run", "--exit-code");
    assertThat(matching.exit()).as(matching.err()).isZero();
    assertThat(matching.out()).contains("0 change(s) (dry run, nothing applied)");

    assertThat(server.admin.put("/v1/policies/team:extra", "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1M\"}]}").status())
        .isEqualTo(201);
    assertThat(apply(policies("team:a", "2"), "--dry-run", "--exit-code").exit()).isZero();
    assertThat(apply(policies("team:a", "2"), "--dry-run", "--exit-code", "--prune").exit()).isEqualTo(3);
    // The one write is that of the apply without --dry-run.
    assertThat(relay.writes()).hasSize(1);
  }

  /** Without --dry-run the changes are made: --exit-code there is refused, and nothing is applied. */
  @Test
  void exitCodeWithoutDryRunIsRefusedAndAppliesNothing() throws IOException {
    CliRun o = apply(policies("team:a", "2"), "--exit-code");
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err()).isEqualTo("apply: --exit-code: only with --dry-run" + System.lineSeparator());
    assertThat(server.admin.get("/v1/policies/team:a").status()).isEqualTo(404);
    assertThat(relay.writes()).isEmpty();
  }

  /**
   * The server's own file, applied from another machine (a CI runner), names a host that resolves
   * only where the server runs: that is the server's to check, not a reason to refuse the policies.
   * A host that is no name at all is refused still.
   */
  @Test
  void aHostThatResolvesOnlyWhereTheServerRunsDoesNotStopAnApply() throws IOException {
    CliRun o = apply("host: quota.invalid\n" + policies("team:ci", "3"));

    assertThat(o.exit()).as(o.err()).isZero();
    assertThat(limitOf("team:ci")).isEqualTo(3);
    Path file = dir.resolve("quota.yaml");
    assertThat(CliRun.of("check-config", file.toString()).err()).contains("host: must be an IP address or a host name that resolves");

    CliRun malformed = apply("host: \"no such host\"\n" + policies("team:ci", "4"));
    assertThat(malformed.exit()).isEqualTo(2);
    assertThat(malformed.err()).contains("line 1: host: must be an IP address or a host name");
    assertThat(limitOf("team:ci")).isEqualTo(3);
  }

  /** A file without a policies section would have --prune delete every policy: refused, nothing deleted. */
  @Test
  void pruneRefusesAFileThatDeclaresNoPolicies() throws IOException {
    assertThat(server.admin.put("/v1/policies/team:keep", "{\"concurrency\":1}").status()).isEqualTo(201);

    CliRun o = apply("port: 8080\n", "--prune");

    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err()).contains("--prune: the file has no policies: section");
    assertThat(server.admin.get("/v1/policies/team:keep").status()).isEqualTo(200);
    assertThat(relay.writes()).isEmpty();
    // An empty section says so on purpose: every policy goes.
    CliRun emptied = apply("policies: {}\n", "--prune");
    assertThat(emptied.exit()).as(emptied.err()).isZero();
    assertThat(server.admin.get("/v1/policies/team:keep").status()).isEqualTo(404);
  }

  /** A policy changed between the listing and the prune is not deleted: the command says so and fails. */
  @Test
  void aPolicyChangedMeanwhileIsNotPruned() throws IOException {
    Api other = server.admin;
    assertThat(other.put("/v1/policies/team:gone", "{\"concurrency\":1}").status()).isEqualTo(201);
    relay.afterListing(() -> assertThat(other.put("/v1/policies/team:gone?reason=theirs", "{\"concurrency\":2}").status())
        .isEqualTo(200));

    CliRun o = apply("policies: {}\n", "--prune");

    assertThat(o.exit()).isEqualTo(1);
    assertThat(o.err().strip())
        .isEqualTo("team:gone: changed meanwhile by someone else, so it was not deleted; run again to see the difference");
    assertThat(other.get("/v1/policies/team:gone").json().get("concurrency").asInt()).isEqualTo(2);
  }

  /** A policy created between the command's listing and its write is not replaced: the command says so and fails. */
  @Test
  void aSelectorCreatedMeanwhileIsNotReplacedAndNamedInTheError() throws IOException {
    Api other = server.admin;
    relay.afterListing(() -> assertThat(
        other.put("/v1/policies/team:new?reason=theirs", "{\"rateLimits\":[{\"limit\":7,\"window\":\"PT1M\"}]}").status())
        .isEqualTo(201));

    CliRun o = apply(policies("team:new", "3"));

    assertThat(o.exit()).isEqualTo(1);
    assertThat(o.out()).contains("+ team:new ").doesNotContain("applied");
    assertThat(o.err().strip())
        .isEqualTo("team:new: created meanwhile by someone else, so it was not replaced; run again to see the difference");
    assertThat(limitOf("team:new")).isEqualTo(7);
    JsonNode trail = server.admin.get("/v1/audit?target=team:new").json().get("entries");
    assertThat(trail).hasSize(1);
    assertThat(trail.get(0).get("reason").asText()).isEqualTo("theirs");
  }

  /** A policy changed between the command's listing and its write is not replaced: the command says so and fails. */
  @Test
  void aPolicyChangedMeanwhileIsNotReplacedAndNamedInTheError() throws IOException {
    Api other = server.admin;
    assertThat(other.put("/v1/policies/team:old", "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1M\"}]}").status()).isEqualTo(201);
    relay.afterListing(() -> assertThat(
        other.put("/v1/policies/team:old?reason=theirs", "{\"rateLimits\":[{\"limit\":7,\"window\":\"PT1M\"}]}").status())
        .isEqualTo(200));

    CliRun o = apply(policies("team:old", "2"));

    assertThat(o.exit()).isEqualTo(1);
    assertThat(o.out()).contains("- team:old ", "+ team:old ").doesNotContain("applied");
    assertThat(o.err().strip())
        .isEqualTo("team:old: changed meanwhile by someone else, so it was not replaced; run again to see the difference");
    assertThat(limitOf("team:old")).isEqualTo(7);
    JsonNode trail = server.admin.get("/v1/audit?target=team:old").json().get("entries");
    assertThat(trail).hasSize(2);
    assertThat(trail.get(0).get("reason").asText()).isEqualTo("theirs");
  }

  /** A policy deleted between the listing and the write is not created again behind the deleter's back. */
  @Test
  void aPolicyDeletedMeanwhileIsNotCreatedAgain() throws IOException {
    Api other = server.admin;
    assertThat(other.put("/v1/policies/team:old", "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1M\"}]}").status()).isEqualTo(201);
    relay.afterListing(() -> assertThat(other.delete("/v1/policies/team:old?reason=theirs").status()).isEqualTo(204));

    CliRun o = apply(policies("team:old", "2"));

    assertThat(o.exit()).isEqualTo(1);
    assertThat(o.err().strip())
        .isEqualTo("team:old: deleted meanwhile by someone else, so it was not created again; run again to see the difference");
    assertThat(server.admin.get("/v1/policies/team:old").status()).isEqualTo(404);
  }

  /**
   * Passes every request on to the server and its answer back. Once the server has answered the
   * command's listing of policies, and before the command hears it, runs what another admin does.
   */
  @Test
  void changesStoredButNotYetInForceAreCountedAsSuch() throws Exception {
    // The database refuses the reload's record of the budget counters a new policy names: the
    // policy is stored and audited, and the server answers it pending (Quota-Applied) until a
    // reload works. A change of an existing policy's rate limit names the same counters: in force.
    assertThat(server.admin.put("/v1/policies/team:plain", "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1M\"}]}").status())
        .isEqualTo(201);
    try (RefusingTrigger.Fault refused = RefusingTrigger.onEmbedded(server.dataDir(), "budget_counter_set")) {
      CliRun o = apply(policies("team:plain", "2") + "  \"team:*\":\n    budget: {currency: USD, daily: \"5.00\"}\n");

      assertThat(o.exit()).as(o.err()).isZero();
      assertThat(o.out()).contains(
          "2 change(s) stored; 1 not yet in force on the server, which applies them at its next reload")
          .doesNotContain("change(s) applied");
      assertThat(server.admin.get("/v1/policies/team:*").status()).isEqualTo(200);
    }
    // Stored: run again, nothing is left to change.
    assertThat(apply(policies("team:plain", "2") + "  \"team:*\":\n    budget: {currency: USD, daily: \"5.00\"}\n").out())
        .contains("0 change(s)");
  }

  private static final class Relay implements AutoCloseable {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final List<String> FORWARDED = List.of("Authorization", "Content-Type", "If-None-Match", "If-Match");

    private final HttpServer http;
    private final List<String> writes = new CopyOnWriteArrayList<>();
    private final AtomicBoolean listed = new AtomicBoolean();
    private volatile Runnable afterListing = () -> {};

    Relay(String target) throws IOException {
      http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      http.createContext("/", exchange -> {
        try (exchange) {
          URI uri = exchange.getRequestURI();
          String method = exchange.getRequestMethod();
          byte[] body = exchange.getRequestBody().readAllBytes();
          HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target + uri.getRawPath()
              + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())));
          for (String name : FORWARDED) {
            for (String value : exchange.getRequestHeaders().getOrDefault(name, List.of())) {
              b.header(name, value);
            }
          }
          b.method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
          if (!method.equals("GET")) {
            StringBuilder write = new StringBuilder(method + " " + uri.getRawPath());
            for (String condition : List.of("If-None-Match", "If-Match")) {
              String value = exchange.getRequestHeaders().getFirst(condition);
              if (value != null) {
                write.append(' ').append(condition).append(": ").append(value);
              }
            }
            writes.add(write.toString());
          }
          HttpResponse<byte[]> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
          if (method.equals("GET") && uri.getPath().equals("/v1/policies") && listed.compareAndSet(false, true)) {
            afterListing.run();
          }
          for (String name : List.of("Content-Type", "Quota-Applied")) {
            r.headers().firstValue(name).ifPresent(v -> exchange.getResponseHeaders().set(name, v));
          }
          byte[] answer = r.body();
          exchange.sendResponseHeaders(r.statusCode(), answer.length == 0 ? -1 : answer.length);
          if (answer.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(answer);
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      http.start();
    }

    String url() {
      return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    void afterListing(Runnable r) {
      afterListing = r;
    }

    List<String> writes() {
      return List.copyOf(writes);
    }

    @Override
    public void close() {
      http.stop(0);
    }
  }
}
