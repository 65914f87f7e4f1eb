package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.store.conformance.MutableClock;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A cost report's range must hold a day. When it holds none the refusal says which day {@code to}
 * came to: {@code from=2030-01-01} alone was refused "must be a day before to", of a {@code to}
 * the client never wrote (tomorrow, by default).
 */
class ReportRangeTest {
  /** Noon UTC on 30 November 2026: tomorrow is 1 December in UTC, 2 December in Kiritimati (UTC+14). */
  static final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T12:00:00Z"));
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded(clock);

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "from=2030-01-01                                       | must be a day before to (2026-12-01, the default: tomorrow in UTC)",
      "from=2026-12-01                                       | must be a day before to (2026-12-01, the default: tomorrow in UTC)",
      "from=2030-01-01&timezone=Pacific/Kiritimati           | must be a day before to (2026-12-02, the default: tomorrow in Pacific/Kiritimati)",
      "from=2030-01-05&to=2030-01-05                         | must be a day before to (2030-01-05)",
      "from=2030-01-05&to=2029-12-01                         | must be a day before to (2029-12-01)",
      "from=2030-01-05T10:00:00Z&to=2030-01-05T00:00:00Z     | must be a day before to (2030-01-05)"})
  void aRangeWithNoDayNamesTheDayToCameTo(String query, String rule) {
    Api.Response r = server.admin().get("/v1/reports/costs?" + query);
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo("from");
    assertThat(r.json().get("rule").asText()).isEqualTo(rule);
    assertThat(r.json().get("detail").asText()).isEqualTo("from: " + rule);
  }

  /** At most 400 days: the refusal names the parameter sent, and the default to it was measured against. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "from=2025-10-26                               | from | must be at most 400 days before to (2026-12-01, the default: tomorrow in UTC)",
      "from=0001-01-01&timezone=Pacific/Kiritimati   | from | must be at most 400 days before to (2026-12-02, the default: tomorrow in Pacific/Kiritimati)",
      "from=2029-01-01&to=2030-02-06                 | to   | must be at most 400 days after from (2029-01-01)"})
  void aRangeOfMoreThan400DaysNamesTheParameterSent(String query, String field, String rule) {
    Api.Response r = server.admin().get("/v1/reports/costs?" + query);
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo(field);
    assertThat(r.json().get("rule").asText()).isEqualTo(rule);
  }

  @Test
  void aRangeOfExactly400DaysIsAReport() {
    Api.Response r = server.admin().get("/v1/reports/costs?from=2025-10-27");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().get("from").asText()).isEqualTo("2025-10-27");
    assertThat(r.json().get("to").asText()).isEqualTo("2026-12-01");
  }

  /** from, left out, is 30 days before to, but never before the first day: a to of that day leaves no room, and is what is wrong. */
  @Test
  void aToOfTheFirstDayWithFromLeftOutNamesTo() {
    Api.Response r = server.admin().get("/v1/reports/costs?to=0001-01-01");
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo("to");
    assertThat(r.json().get("rule").asText()).isEqualTo("must be after 0001-01-01, the first day a report covers");
  }

  @Test
  void theDefaultsAreTheThirtyDaysToTomorrow() {
    Api.Response r = server.admin().get("/v1/reports/costs");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().get("from").asText()).isEqualTo("2026-11-01");
    assertThat(r.json().get("to").asText()).isEqualTo("2026-12-01");
    assertThat(server.admin().get("/v1/reports/costs?to=0001-01-02").json().get("from").asText()).isEqualTo("0001-01-01");
  }
}
