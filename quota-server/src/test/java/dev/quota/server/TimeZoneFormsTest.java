package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.internal.TimeZones;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A budget's {@code timezone} and a cost report's {@code timezone} parameter take an IANA zone,
 * UTC, or a fixed offset from UTC; anything else is a 400 naming the field with a rule that lists
 * exactly those forms, and changes nothing.
 */
class TimeZoneFormsTest {
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();

  static final String RULE =
      "must be an IANA time zone such as Europe/Berlin, UTC, or a fixed offset from UTC such as +05:30 or UTC-03:00";

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"Europe/Berlin", "America/Argentina/Buenos_Aires", "US/Eastern", "+05:30", "-03:00", "UTC-03:00"})
  void aBudgetTakesAnIanaZoneOrAFixedOffsetAndShowsItAsWritten(String zone) {
    String selector = "/v1/policies/team:tz" + Math.abs(zone.hashCode());
    Api.Response put = server.admin().put(selector, budgetIn(zone));
    assertThat(put.status()).as(put.toString()).isBetween(200, 201);
    assertThat(server.admin().get(selector).json().get("budget").get("timezone").asText()).isEqualTo(zone);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"Mars/Olympus_Mons", "+25:00", "5 hours", "CEST"})
  void aBudgetInNoAcceptedFormIsRefusedWithTheFormsThatAre(String zone) {
    String audit = server.admin().get("/v1/audit").body();
    Api.Response r = server.admin().put("/v1/policies/team:refused", budgetIn(zone));
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("field").asText()).isEqualTo("budget.timezone");
    assertThat(r.json().get("rule").asText()).isEqualTo(RULE).isEqualTo(TimeZones.RULE);
    assertThat(server.admin().get("/v1/policies/team:refused").status()).isEqualTo(404);
    assertThat(server.admin().get("/v1/audit").body()).isEqualTo(audit);
  }

  /**
   * Legacy names are refused alike, by a budget and a report: SystemV/EST5, GMT+2 and EST5EDT were
   * taken (GMT+2 as two hours ahead of UTC, where Etc/GMT+2, also taken, is two hours behind) while
   * EST was refused.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"EST", "SystemV/EST5", "GMT+2", "UT+2", "Etc/GMT+2", "EST5EDT", "CET", "Cuba"})
  void aLegacyNameIsRefusedByABudgetAndAReportAlike(String zone) {
    String audit = server.admin().get("/v1/audit").body();
    Api.Response r = server.admin().put("/v1/policies/team:legacy", budgetIn(zone));
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo("budget.timezone");
    assertThat(r.json().get("rule").asText()).startsWith(RULE + ": '").endsWith(
        "' is a legacy name, write a region (America/New_York) or an offset (-05:00) instead");
    assertThat(server.admin().get("/v1/policies/team:legacy").status()).isEqualTo(404);
    assertThat(server.admin().get("/v1/audit").body()).isEqualTo(audit);

    Api.Response report = server.admin().get("/v1/reports/costs?timezone=" + zone.replace("+", "%2B"));
    assertThat(report.status()).as(report.toString()).isEqualTo(400);
    assertThat(report.json().get("field").asText()).isEqualTo("timezone");
    assertThat(report.json().get("rule").asText()).startsWith(RULE + ": '");
  }

  /** Every name of UTC is taken and shown as UTC; a region of the IANA database's backward links is a region too. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"Z", "GMT", "Etc/UTC", "UTC+00:00"})
  void aNameOfUtcIsShownAsUtc(String zone) {
    String selector = "/v1/policies/team:utc" + Math.abs(zone.hashCode());
    Api.Response put = server.admin().put(selector, budgetIn(zone));
    assertThat(put.status()).as(put.toString()).isBetween(200, 201);
    assertThat(server.admin().get(selector).json().get("budget").get("timezone").asText()).isEqualTo("UTC");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"Europe/Berlin", "UTC", "%2B05:30", "-03:00", "UTC-03:00"})
  void aReportTakesAnIanaZoneOrAFixedOffset(String zone) {
    Api.Response r = server.admin().get("/v1/reports/costs?from=2030-01-01T12:00:00Z&to=2030-01-03&timezone=" + zone);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"Mars/Olympus_Mons", "%2B25:00", "CEST"})
  void aReportInNoAcceptedFormIsRefusedWithTheFormsThatAre(String zone) {
    Api.Response r = server.admin().get("/v1/reports/costs?timezone=" + zone);
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("field").asText()).isEqualTo("timezone");
    assertThat(r.json().get("rule").asText()).isEqualTo(RULE);
  }

  /** An offset's + sent unencoded arrives as a space; the refusal says how to send it. */
  @Test
  void aReportsOffsetWithItsPlusUnencodedIsToldToSendItAsPercent2B() {
    Api.Response r = server.admin().get("/v1/reports/costs?timezone=+05:30");
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo("timezone");
    assertThat(r.json().get("rule").asText()).startsWith(RULE).contains("send +05:30 as %2B05:30");
  }

  /**
   * An instant's offset sent with its + unencoded arrives as a space too: from and to were refused
   * with the bare rule, where the timezone parameter says how to send it.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"from", "to"})
  void aReportsInstantWithItsOffsetsPlusUnencodedIsToldToSendItAsPercent2B(String end) {
    String other = end.equals("from") ? "&to=2030-01-20" : "&from=2030-01-10";
    Api.Response r = server.admin().get("/v1/reports/costs?" + end + "=2030-01-15T12:00:00+05:30" + other);
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo(end);
    assertThat(r.json().get("rule").asText())
        .startsWith("must be an ISO-8601 instant (2030-01-01T00:00:00Z) or date (2030-01-01) from 0001-01-01 to 9999-12-31")
        .endsWith(": a + in a query string reads as a space, so send 2030-01-15T12:00:00+05:30 as 2030-01-15T12:00:00%2B05:30");
    Api.Response sent = server.admin().get("/v1/reports/costs?" + end + "=2030-01-15T12:00:00%2B05:30" + other);
    assertThat(sent.status()).as(sent.toString()).isEqualTo(200);
  }

  private static String budgetIn(String zone) {
    return "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\",\"timezone\":\"" + zone + "\"}}";
  }
}
