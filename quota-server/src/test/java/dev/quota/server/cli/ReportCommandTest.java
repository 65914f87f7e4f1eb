package dev.quota.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quota.server.SharedServer;
import dev.quota.server.TestServer;
import dev.quota.store.conformance.MutableClock;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code quota report} against a running server: it takes every parameter the route does, the time zone included. */
class ReportCommandTest {
  /** Noon UTC on 30 November 2026, so the default end of a report, tomorrow, is 1 December. */
  static final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T12:00:00Z"));
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded(clock);

  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  private static CliRun report(String... args) {
    String[] all = new String[args.length + 5];
    all[0] = "report";
    System.arraycopy(args, 0, all, 1, args.length);
    all[args.length + 1] = "--url";
    all[args.length + 2] = "http://127.0.0.1:" + server.server().port();
    all[args.length + 3] = "--key";
    all[args.length + 4] = TestServer.ADMIN_KEY;
    return run(all);
  }

  /** 03:00 UTC on 2 January is still 1 January in New York: the report's days are those the instants fall on there. */
  @Test
  void theTimezoneReadsFromAndToInThatZone() throws Exception {
    CliRun inNewYork = report("--from", "2030-01-02T03:00:00Z", "--to", "2030-01-05T03:00:00Z", "--timezone", "America/New_York");
    assertThat(inNewYork.exit()).as(inNewYork.out()).isZero();
    JsonNode body = new ObjectMapper().readTree(inNewYork.out());
    assertThat(body.get("from").asText()).isEqualTo("2030-01-01");
    assertThat(body.get("to").asText()).isEqualTo("2030-01-05");

    CliRun inUtc = report("--from", "2030-01-02T03:00:00Z", "--to", "2030-01-05T03:00:00Z");
    assertThat(inUtc.exit()).as(inUtc.out()).isZero();
    assertThat(new ObjectMapper().readTree(inUtc.out()).get("from").asText()).isEqualTo("2030-01-02");
  }

  /** A scope of the platform's own is reported as a built-in one is: here one org's spend by provider. */
  @Test
  void aScopeOfThePlatformsOwnIsReported() {
    for (String usage : new String[] {
        "{\"subjects\":{\"org\":\"initech\",\"provider\":\"openai\"},\"cost\":\"0.30\"}",
        "{\"subjects\":{\"org\":\"initech\",\"provider\":\"anthropic\"},\"cost\":\"0.20\"}",
        "{\"subjects\":{\"org\":\"other\",\"provider\":\"openai\"},\"cost\":\"5.00\"}"}) {
      var r = server.admin().post("/v1/usage", usage);
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }
    CliRun csv = report("--scope", "org", "--id", "initech", "--group-by", "provider", "--format", "csv");
    assertThat(csv.exit()).as(csv.err()).isZero();
    assertThat(csv.out()).isEqualTo("provider,cost,entries,currency\r\nanthropic,0.20,1,\r\nopenai,0.30,1,\r\n");
  }

  /** The CSV is printed as the server wrote it: a second line break after it was an empty row to a CSV reader. */
  @Test
  void theCsvEndsWithItsOwnLastLine() {
    CliRun csv = report("--group-by", "tool", "--from", "2030-01-01", "--to", "2030-01-02", "--format", "csv");
    assertThat(csv.exit()).as(csv.out()).isZero();
    assertThat(csv.out()).isEqualTo("tool,cost,entries,currency\r\n");
  }

  /**
   * A --from after the default --to is refused naming the day --to came to, which the command line
   * never showed, and naming both by their options: the problem document, printed as it came, named
   * the query parameters from and to.
   */
  @Test
  void aFromAfterTheDefaultToSaysWhatToWas() {
    CliRun o = report("--from", "2030-01-01");
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.out()).isEmpty();
    assertThat(o.err()).isEqualTo("report: --from: must be a day before --to (2026-12-01, the default: tomorrow in UTC)\n");
  }

  @Test
  void theHelpDescribesTheTimezone() {
    CliRun help = run("report", "--help");
    assertThat(help.exit()).isZero();
    assertThat(help.out()).contains("--timezone=<timezone>").contains("IANA time zone").contains("UTC-03:00");
  }
}
