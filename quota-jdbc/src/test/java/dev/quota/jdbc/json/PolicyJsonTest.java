package dev.quota.jdbc.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Algorithm;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.ValidationException;
import dev.quota.admin.Override;
import dev.quota.internal.TimeZones;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PolicyJsonTest {
  static final Selector USERS = Selector.parse("user:*");
  static final String WIRE =
      "{\"rateLimits\":[{\"limit\":60,\"window\":\"PT1M\"},"
          + "{\"meter\":\"tokens\",\"limit\":100000,\"window\":\"PT1M\",\"algorithm\":\"token_bucket\"}],"
          + "\"budget\":{\"currency\":\"USD\",\"daily\":\"10.00\",\"monthly\":\"200.00\",\"perRequest\":\"1.00\","
          + "\"timezone\":\"Europe/Berlin\",\"resetTime\":\"00:00\",\"resetDay\":1},"
          + "\"concurrency\":10,\"alertThresholds\":[0.8,0.9,0.95],\"mode\":\"enforce\",\"failMode\":\"closed\"}";

  @Test
  void readsTheWireFormatAndWritesItBackByteForByte() {
    Policy p = PolicyJson.read(WIRE, USERS);

    assertThat(p.rateLimits()).hasSize(2);
    assertThat(p.rateLimits().get(0).meter()).isEqualTo("requests");
    assertThat(p.rateLimits().get(0).window()).isEqualTo(Duration.ofMinutes(1));
    assertThat(p.rateLimits().get(1).algorithm()).isEqualTo(Algorithm.TOKEN_BUCKET);
    assertThat(p.budget().daily()).isEqualTo(Money.of("10"));
    assertThat(p.budget().zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
    assertThat(p.budget().resetTime()).isEqualTo(LocalTime.MIDNIGHT);
    assertThat(p.concurrency()).isEqualTo(10);
    assertThat(PolicyJson.write(p)).isEqualTo(WIRE);
  }

  @Test
  void roundTripsToAnEqualPolicy() {
    Policy p = PolicyJson.read(WIRE, USERS);
    assertThat(PolicyJson.read(PolicyJson.write(p), USERS)).isEqualTo(p);
  }

  @Test
  void acceptsAmountsAsExactJsonNumbersAndUtcSpellings() {
    Policy p =
        PolicyJson.read(
            "{\"budget\":{\"currency\":\"EUR\",\"daily\":0.000000001,\"monthly\":12,\"timezone\":\"Etc/UTC\"}}", USERS);
    assertThat(p.budget().daily().nanos()).isEqualTo(1);
    assertThat(p.budget().monthly()).isEqualTo(Money.of("12"));
    assertThat(p.budget()).isEqualTo(PolicyJson.read("{\"budget\":{\"currency\":\"EUR\",\"daily\":\"0.000000001\",\"monthly\":\"12.00\"}}", USERS).budget());
    assertThat(PolicyJson.write(p)).contains("\"daily\":\"0.000000001\"", "\"timezone\":\"UTC\"");
  }

  /** Every form the time zone rule names is a budget's zone, kept as written (UTC spellings as UTC). */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "Europe/Berlin | Europe/Berlin", "UTC | UTC", "Z | UTC", "+05:30 | +05:30", "-03:00 | -03:00",
      "UTC-03:00 | UTC-03:00"})
  void aBudgetsTimeZoneIsAnIanaZoneUtcOrAFixedOffset(String written, String kept) {
    Policy p = PolicyJson.read("{\"budget\":{\"currency\":\"USD\",\"daily\":\"1\",\"timezone\":\"" + written + "\"}}", USERS);
    assertThat(p.budget().zone().normalized()).isEqualTo(ZoneId.of(kept).normalized());
    assertThat(PolicyJson.write(p)).contains("\"timezone\":\"" + kept + "\"");
  }

  /** A refused time zone is told the forms that are accepted, the fixed offsets among them. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"Mars/Olympus", "+25:00", "5 hours", "Europe/Berlin ", "CEST"})
  void aTimeZoneOfNoAcceptedFormIsRefusedWithTheFormsThatAre(String written) {
    assertThatThrownBy(() -> PolicyJson.read("{\"budget\":{\"currency\":\"USD\",\"daily\":\"1\",\"timezone\":\"" + written + "\"}}", USERS))
        .isInstanceOfSatisfying(ValidationException.class, e -> {
          assertThat(e.field()).isEqualTo("budget.timezone");
          assertThat(e.rule()).isEqualTo(
              "must be an IANA time zone such as Europe/Berlin, UTC, or a fixed offset from UTC such as +05:30 or UTC-03:00");
        });
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"rateLimits\":[{\"limit\":60,\"window\":\"1 minute\"}]}|rateLimits[0].window|ISO-8601",
        "{\"rateLimits\":[{\"limit\":60,\"window\":\"PT0.5S\"}]}|rateLimits[0].window|between 1 second",
        "{\"rateLimits\":[{\"limit\":60.5,\"window\":\"PT1M\"}]}|rateLimits[0].limit|whole number",
        "{\"rateLimits\":[{\"limit\":\"60\",\"window\":\"PT1M\"}]}|rateLimits[0].limit|whole number",
        "{\"rateLimits\":[{\"limit\":0,\"window\":\"PT1M\"}]}|rateLimits[0].limit|between 1 and 9007199254740991",
        "{\"rateLimits\":[{\"limit\":9223372036854775807,\"window\":\"PT1M\"}]}|rateLimits[0].limit|between 1 and 9007199254740991",
        "{\"rateLimits\":[{\"window\":\"PT1M\"}]}|rateLimits[0].limit|is required",
        "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1M\",\"algorithm\":\"leaky\"}]}|rateLimits[0].algorithm|sliding_window or token_bucket",
        "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1M\",\"burst\":3}]}|rateLimits[0].burst|not a known field",
        "{\"rateLimits\":{\"limit\":1}}|rateLimits|must be an array",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"-1.00\"}}|budget.daily|plain non-negative decimal",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":-1}}|budget.daily|must not be negative",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"0.0000000001\"}}|budget.daily|at most 9 decimal places",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":0.0000000001}}|budget.daily|at most 9 decimal places",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"NaN\"}}|budget.daily|plain non-negative decimal",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":1e400}}|budget.daily|must be at most",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":true}}|budget.daily|decimal string",
        "{\"budget\":{\"currency\":\"usd\",\"daily\":\"1\"}}|budget.currency|ISO 4217",
        "{\"budget\":{\"currency\":\"ZZZ\",\"daily\":\"1\"}}|budget.currency|ISO 4217 code such as USD: 'ZZZ' is not one",
        "{\"budget\":{\"currency\":\"UDS\",\"daily\":\"1\"}}|budget.currency|ISO 4217 code such as USD: 'UDS' is not one",
        "{\"budget\":{\"currency\":\"USD\"}}|budget|at least one of",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1\",\"timezone\":\"Mars/Olympus\"}}|budget.timezone|IANA",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1\",\"resetTime\":\"25:00\"}}|budget.resetTime|HH:mm or HH:mm:ss",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1\",\"resetTime\":\"9:30\"}}|budget.resetTime|HH:mm or HH:mm:ss",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1\",\"resetDay\":32}}|budget.resetDay|between 1 and 31",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1\",\"weekly\":\"5\"}}|budget.weekly|not a known field",
        "{\"concurrency\":0}|concurrency|between 1",
        "{\"concurrency\":2.0}|concurrency|whole number",
        "{\"alertThresholds\":[0.5,1.5],\"concurrency\":1}|alertThresholds[1]|greater than 0 and less than 1",
        "{\"alertThresholds\":[1],\"concurrency\":1}|alertThresholds[0]|greater than 0 and less than 1",
        "{\"alertThresholds\":[0],\"concurrency\":1}|alertThresholds[0]|greater than 0 and less than 1",
        "{\"alertThresholds\":[0.5,0.5],\"concurrency\":1}|alertThresholds[1]|must not repeat",
        "{\"alertThresholds\":[0.9,0.5,0.50],\"concurrency\":1}|alertThresholds[2]|must not repeat",
        "{\"alertThresholds\":[1e-400],\"concurrency\":1}|alertThresholds[0]|at most 9 decimal places",
        "{\"alertThresholds\":[0.8,0.0000000001],\"concurrency\":1}|alertThresholds[1]|at most 9 decimal places",
        "{\"alertThresholds\":[\"0.5\"],\"concurrency\":1}|alertThresholds[0]|must be a number",
        "{\"concurrency\":1,\"mode\":\"dry\"}|mode|enforce or shadow",
        "{\"concurrency\":1,\"failMode\":\"closed-ish\"}|failMode|closed or open",
        "{\"concurrency\":1,\"color\":\"red\"}|color|not a known field",
        "{}|policy|at least one rate limit",
        "{\"concurrency\":NaN}|body|not valid JSON",
        "{\"concurrency\":1,\"concurrency\":2}|body|not valid JSON",
        "{\"concurrency\":1} trailing|body|not valid JSON",
        "[1]|body|must be a JSON object",
      })
  void rejectsBadInputNamingTheFieldAndTheRule(String json, String field, String rule) {
    assertThatThrownBy(() -> PolicyJson.read(json, USERS))
        .isInstanceOfSatisfying(
            ValidationException.class,
            e -> {
              assertThat(e.field()).isEqualTo(field);
              assertThat(e.rule()).contains(rule);
            });
  }

  /** A body with several mistakes is refused once, naming each, so they can all be fixed in one pass. */
  @Test
  void namesEveryProblemOfABodyInTheOrderFound() {
    String json = "{\"rateLimits\":[{\"limit\":0,\"window\":\"1 minute\"},{\"limit\":5,\"window\":\"PT1M\"},{\"window\":\"PT1H\"}],"
        + "\"budget\":{\"currency\":\"usd\",\"daily\":\"-1\",\"timezone\":\"Mars/Olympus\"},"
        + "\"concurrency\":0,\"alertThresholds\":[0.5,\"0.9\"],\"mode\":\"dry\",\"colour\":\"red\",\"size\":1}";

    assertThatThrownBy(() -> PolicyJson.read(json, USERS))
        .isInstanceOfSatisfying(ValidationException.class, e -> {
          assertThat(e.field()).isEqualTo("colour");
          assertThat(e.problems()).extracting(ValidationException::field).containsExactly(
              "colour", "size", "rateLimits[0].limit", "rateLimits[0].window", "rateLimits[2].limit", "budget.currency",
              "budget.daily",
              "budget.timezone", "concurrency", "alertThresholds[1]", "mode");
          assertThat(e.problems()).extracting(ValidationException::rule).contains("must be an ISO-8601 duration such as PT1M",
              "is required", TimeZones.RULE, "must be a three-letter ISO 4217 code such as USD");
        });
  }

  /** Two limits counting in one counter are listed beside the other fields' problems, not only once they are fixed. */
  @Test
  void listsRepeatedRateLimitsBesideOtherProblems() {
    String json = "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"},{\"limit\":9,\"window\":\"PT1M\"}],"
        + "\"budget\":{\"currency\":\"usd\",\"daily\":\"1\"}}";

    assertThatThrownBy(() -> PolicyJson.read(json, USERS))
        .isInstanceOfSatisfying(ValidationException.class, e -> {
          assertThat(e.problems()).extracting(ValidationException::field).containsExactly("rateLimits", "budget.currency");
          assertThat(e.problems().get(0).rule()).isEqualTo("must not repeat the same meter, window and algorithm");
        });
    assertThatThrownBy(
            () -> OverrideJson.read(
                "{\"id\":\"o1\",\"selector\":\"user:alice\",\"limits\":{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"},"
                    + "{\"limit\":9,\"window\":\"PT1M\"}],\"mode\":\"x\"},\"expiresAt\":\"2030-01-01T00:00:00Z\",\"reason\":\"r\",\"actor\":\"a\"}"))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems()).extracting(ValidationException::field)
            .containsExactly("limits.rateLimits", "limits.mode"));
  }

  /** A rule across fields (a budget needs an amount) is judged only once every field reads. */
  @Test
  void leavesRulesAcrossFieldsUntilEveryFieldReads() {
    assertThatThrownBy(() -> PolicyJson.read("{\"budget\":{\"currency\":\"USD\",\"resetDay\":40}}", USERS))
        .isInstanceOfSatisfying(ValidationException.class,
            e -> assertThat(e.problems()).extracting(ValidationException::field).containsExactly("budget.resetDay"));
    assertThatThrownBy(() -> PolicyJson.read("{\"budget\":{\"currency\":\"USD\"}}", USERS))
        .isInstanceOfSatisfying(ValidationException.class,
            e -> assertThat(e.problems()).extracting(ValidationException::field).containsExactly("budget"));
  }

  @Test
  void nestsEveryProblemUnderItsPrefix() {
    assertThatThrownBy(
            () ->
                OverrideJson.read(
                    "{\"id\":\"o1\",\"selector\":\"user:alice\",\"limits\":{\"rateLimits\":[{\"limit\":0,\"window\":\"x\"}],\"mode\":\"x\"},"
                        + "\"expiresAt\":\"2030-01-01T00:00:00Z\",\"reason\":\"r\",\"actor\":\"a\"}"))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.problems()).extracting(ValidationException::field)
            .containsExactly("limits.rateLimits[0].limit", "limits.rateLimits[0].window", "limits.mode"));
  }

  /**
   * Earlier versions took any three capital letters as a currency. What they stored keeps loading,
   * a policy or an override's limits alike, so a rule added since drops neither.
   */
  @Test
  void aCurrencyRefusedNowStillLoadsWhereItWasStored() {
    String body = "{\"budget\":{\"currency\":\"ZZZ\",\"daily\":\"1\"},\"alertThresholds\":[0.5,0.50]}";
    assertThat(PolicyJson.readStored(body, USERS).budget().currency()).isEqualTo("ZZZ");
    Override o = OverrideJson.read("{\"id\":\"o1\",\"selector\":\"user:alice\",\"limits\":" + body
        + ",\"expiresAt\":\"2030-01-01T00:00:00Z\",\"reason\":\"r\",\"actor\":\"a\"}");
    assertThat(o.replacement().budget().currency()).isEqualTo("ZZZ");
    assertThat(o.replacement().alertThresholds()).containsExactly(new BigDecimal("0.5"));
    assertThat(PolicyJson.read("{\"budget\":{\"currency\":\"JPY\",\"daily\":\"1\"}}", USERS).budget().currency()).isEqualTo("JPY");
  }

  @Test
  void writesThresholdsAsPlainDecimalsInTheirShortestForm() {
    Policy p = PolicyJson.read("{\"concurrency\":1,\"alertThresholds\":[0.50,0.0000001,0.999999999,1E-9]}", USERS);
    assertThat(PolicyJson.write(p)).contains("\"alertThresholds\":[0.000000001,0.0000001,0.5,0.999999999]");
    assertThat(PolicyJson.read(PolicyJson.write(p), USERS)).isEqualTo(p);
  }

  @Test
  void nestsFieldPathsUnderAPrefix() {
    assertThatThrownBy(
            () ->
                OverrideJson.read(
                    "{\"id\":\"o1\",\"selector\":\"user:alice\",\"limits\":{\"rateLimits\":[{\"limit\":1,\"window\":\"x\"}]},"
                        + "\"expiresAt\":\"2030-01-01T00:00:00Z\",\"reason\":\"r\",\"actor\":\"a\"}"))
        .isInstanceOfSatisfying(
            ValidationException.class, e -> assertThat(e.field()).isEqualTo("limits.rateLimits[0].window"));
  }
}
