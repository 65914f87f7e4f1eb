package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.store.conformance.MutableClock;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A report's rows are UTC days, and its default end is the end of today in its time zone. West of
 * UTC, in the hours after UTC midnight, tomorrow's date in the zone is today's UTC date: taken as
 * the end of the UTC days summed, it left out the spend of the hours since UTC midnight, so a report
 * asked for without dates in New York at 10 pm did not show the spend of that evening.
 */
class ReportDefaultRangeWestOfUtcTest {
  /** 03:00 UTC on 1 December 2026: 22:00 on 30 November in New York, 17:00 in Honolulu. */
  static final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T03:00:00Z"));
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded(clock);

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"America/New_York", "Pacific/Honolulu", "-05:00", "UTC", "Europe/Berlin", "Pacific/Kiritimati"})
  void theDefaultRangeHoldsTheSpendMadeSoFarToday(String zone) {
    server.admin().put("/v1/policies/user:*?reason=t", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"100.00\"}}");
    String user = "west-" + zone.replaceAll("[^A-Za-z0-9]", "_");
    Api.Response usage = server.admin().post("/v1/usage", "{\"subjects\":{\"user\":\"" + user + "\"},\"cost\":\"0.25\"}");
    assertThat(usage.status()).as(usage.toString()).isEqualTo(200);

    Api.Response r = server.admin().get("/v1/reports/costs?scope=user&id=" + user + "&timezone=" + zone.replace("+", "%2B"));

    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().get("total").asText()).as(r.toString()).isEqualTo("0.25");
    assertThat(r.json().get("to").asText()).isGreaterThanOrEqualTo("2026-12-02");
  }

  @Test
  void aFromOfTodaysUtcDateIsARangeWestOfUtcToo() {
    Api.Response r = server.admin().get("/v1/reports/costs?from=2026-12-01&timezone=America/New_York");

    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().get("from").asText()).isEqualTo("2026-12-01");
    assertThat(r.json().get("to").asText()).isEqualTo("2026-12-02");
  }
}
