package dev.quota.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.quota.server.Api;
import dev.quota.server.SharedServer;
import dev.quota.server.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A request the server refuses fails the command with one line a problem, in the command line's
 * words: the option the user typed rather than the query parameter it became, the server's detail
 * for a refusal that names no field. The problem document was printed as it came, naming fields
 * ({@code from}) the user never typed.
 */
class ServerRefusalsTest {
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();

  private static CliRun run(String key, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", "http://127.0.0.1:" + server.server().port(), "--key", key));
    return CliRun.of(all.toArray(String[]::new));
  }

  /** The command failed with {@code lines}, exit 1: not for its arguments (a key refused, a server that failed). */
  private static void assertRefused(CliRun o, String... lines) {
    assertRefused(1, o, lines);
  }

  /**
   * Arguments the server refused (400) are a usage error, exit 2, as those the command refuses
   * itself: they exited 1, as a server that could not be reached does, so a script could not tell
   * a mistake of its own from an outage.
   */
  private static void assertArgumentsRefused(CliRun o, String... lines) {
    assertRefused(2, o, lines);
  }

  private static void assertRefused(int exit, CliRun o, String... lines) {
    assertThat(o.exit()).as(o.err()).isEqualTo(exit);
    assertThat(o.out()).isEmpty();
    assertThat(o.err().lines()).containsExactly(lines);
  }

  /** Each field the server names, in the rule as well as before it, is the option that gave it. */
  @Test
  void aRangeTheServerRefusesNamesTheOptions() {
    assertArgumentsRefused(run(TestServer.ADMIN_KEY, "report", "--from", "2030-01-05", "--to", "2030-01-05"),
        "report: --from: must be a day before --to (2030-01-05)");
    assertArgumentsRefused(run(TestServer.ADMIN_KEY, "report", "--from", "2030-01-01", "--to", "2032-01-01"),
        "report: --to: must be at most 400 days after --from (2030-01-01)");
  }

  /**
   * A rule that names another field names it by the option that gave it too: "--group-by: subject
   * needs a scope" named a field the user never typed. Words that only read like a field (the
   * "from ... to ..." of a date's rule, an offset "from UTC") are left as they are.
   */
  @Test
  void aFieldNamedInTheRuleIsTheOptionThatGaveIt() {
    assertThat(reportRefusal("groupBy=subject")).containsExactly("--group-by: subject needs a --scope");
    assertThat(reportRefusal("id=alice")).containsExactly("--id: needs a --scope");
    assertThat(reportRefusal("from=soon")).containsExactly(
        "--from: must be an ISO-8601 instant (2030-01-01T00:00:00Z) or date (2030-01-01) from 0001-01-01 to 9999-12-31");
    assertThat(reportRefusal("timezone=Mars")).containsExactly(
        "--timezone: must be an IANA time zone such as Europe/Berlin, UTC, or a fixed offset from UTC such as +05:30 or UTC-03:00");
  }

  /** The server's refusal of the report {@code query}, in the words of {@code quota report}. */
  private static List<String> reportRefusal(String query) {
    Api.Response refused = server.admin().get("/v1/reports/costs?" + query);
    assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
    return Refusal.lines(new Remote.Reply(refused.status(), refused.body(), false), ReportCommand.OPTIONS);
  }

  /** A refusal that names no field is the server's detail, with where a refused key came from. */
  @Test
  void aRefusalWithoutAFieldIsTheServersDetail() {
    assertRefused(run("k".repeat(40), "policy", "list"), "list: the API key is not valid (the key from --key)");

    String viewer = server.admin().post("/v1/keys", "{\"name\":\"reads-alice\",\"role\":\"viewer\",\"subjects\":[\"user:alice\"]}")
        .json().get("key").asText();
    assertRefused(run(viewer, "usage", "user", "bob"), "usage: this key may not read user:bob");
  }

  /** A policy that is not there is said so in words: get printed a 404 document, delete too. */
  @Test
  void aMissingPolicyIsSaidInWords() {
    CliRun get = run(TestServer.ADMIN_KEY, "policy", "get", "team:nobody");
    assertThat(get.exit()).isEqualTo(1);
    assertThat(get.err()).startsWith("get: ").contains("team:nobody").doesNotContain("{").doesNotContain("urn:quota");

    CliRun delete = run(TestServer.ADMIN_KEY, "policy", "delete", "team:nobody");
    assertThat(delete.exit()).isEqualTo(1);
    assertThat(delete.err()).startsWith("delete: ").contains("team:nobody").doesNotContain("{").doesNotContain("urn:quota");
  }

  /** Every problem of a refusal that lists several is a line of its own, each named by option where one gave it. */
  @Test
  void everyProblemOfARefusalIsALine() {
    Api.Response refused = server.admin().put("/v1/policies/user:several?reason=x",
        "{\"rateLimits\":[{\"limit\":0,\"window\":\"PT1M\"}],\"budget\":{\"currency\":\"USD\",\"daily\":\"-5\"},\"mode\":\"dry\"}");
    assertThat(refused.status()).isEqualTo(400);

    List<String> lines = Refusal.lines(new Remote.Reply(refused.status(), refused.body(), false), Map.of("mode", "--mode"));

    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).startsWith("rateLimits[0].limit: must be ");
    assertThat(lines.get(1)).startsWith("budget.daily: ");
    assertThat(lines.get(2)).isEqualTo("--mode: must be enforce or shadow");
  }

  /**
   * policy apply exits 2 when the server refuses a policy of the file (400), as the other commands
   * do for arguments refused, and 1 when it cannot apply one for another reason. The server here
   * lists no policies and refuses every write as a server of another version might.
   */
  @Test
  void aPolicyTheServerRefusesFailsApplyAsAUsageError(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws IOException {
    HttpServer other = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    other.createContext("/", exchange -> {
      boolean listing = exchange.getRequestMethod().equals("GET");
      byte[] body = (listing ? "{\"policies\":[]}"
          : "{\"type\":\"urn:quota:problem:invalid-request\",\"title\":\"Invalid request\",\"status\":400,"
              + "\"detail\":\"budget.daily: must be at most 1000000\",\"field\":\"budget.daily\",\"rule\":\"must be at most 1000000\"}")
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", listing ? "application/json" : "application/problem+json");
      exchange.sendResponseHeaders(listing ? 200 : 400, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    other.start();
    try {
      java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("quota.yaml"),
          "policies:\n  \"team:*\":\n    budget: {currency: USD, daily: \"5000000\"}\n");
      CliRun o = CliRun.of("policy", "apply", "-f", file.toString(),
          "--url", "http://127.0.0.1:" + other.getAddress().getPort(), "--key", "k".repeat(40));
      assertThat(o.exit()).as(o.err()).isEqualTo(2);
      assertThat(o.err().lines()).containsExactly("team:*: budget.daily: must be at most 1000000");
    } finally {
      other.stop(0);
    }
  }

  /** An answer that is no problem document (another service at --url, a proxy's page) is told by its status and first line. */
  @Test
  void anAnswerThatIsNoProblemIsToldByItsStatus() throws IOException {
    HttpServer proxy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    proxy.createContext("/", exchange -> {
      byte[] page = "Bad Gateway\nupstream closed the connection\n".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(502, page.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(page);
      }
    });
    proxy.start();
    try {
      CliRun o = CliRun.of("usage", "user", "alice", "--url", "http://127.0.0.1:" + proxy.getAddress().getPort(), "--key", "k".repeat(40));
      assertRefused(o, "usage: the server answered HTTP 502: Bad Gateway");
    } finally {
      proxy.stop(0);
    }
  }
}
