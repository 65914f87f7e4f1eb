package dev.quota.server.json;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Algorithm;
import dev.quota.Decision;
import dev.quota.LimitKind;
import dev.quota.LimitStatus;
import dev.quota.Mode;
import dev.quota.Money;
import dev.quota.Selector;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The streamed decision is exactly the tree form that the rest of the API writes. */
class DecisionWriterTest {
  private static final Instant AT = Instant.parse("2026-11-28T18:03:51.444Z");

  @Test
  void admittedReservationWithRateAndBudgetLimits() {
    assertSameAsTree(new Decision(true, "r1", AT.plusSeconds(300), List.of(rate(true), budget(true, 100, 0)), null, false, false));
  }

  @Test
  void deniedDecisionWithRetryAndEveryKindOfLimit() {
    LimitStatus concurrency = new LimitStatus(Selector.parse("team:*"), "team:search", LimitKind.CONCURRENCY, null, null,
        2, 2, null, AT.plusNanos(1_000), false, Mode.ENFORCE, null, null);
    LimitStatus shadow = new LimitStatus(Selector.parse("user:*,tool:image_gen"), "user:a,tool:image_gen", LimitKind.BUDGET_MONTHLY,
        null, "EUR", 5, 7, Instant.parse("2026-12-01T00:00:00Z"), null, false, Mode.SHADOW, null, null);
    LimitStatus overspent = budget(false, 1, Money.MAX_NANOS + 5);
    assertSameAsTree(new Decision(false, null, null, List.of(rate(false), concurrency, shadow, overspent), AT.plusMillis(1500), false, false));
  }

  /** A token bucket names its algorithm beside a sliding window on the same meter and window, which does not. */
  @Test
  void aTokenBucketIsWrittenWithItsAlgorithmAsTheTreeWritesIt() {
    LimitStatus bucket = new LimitStatus(Selector.parse("user:*"), "user:u1", LimitKind.RATE, "requests", null,
        2, 1, AT.plusSeconds(30), null, true, Mode.ENFORCE, Duration.ofMinutes(1), null, false, Algorithm.TOKEN_BUCKET);
    Decision d = new Decision(true, "r1", AT.plusSeconds(300), List.of(rate(true), bucket), null, false, false);
    assertThat(new String(DecisionWriter.bytes(d), StandardCharsets.UTF_8)).contains("\"window\":\"PT1M\",\"algorithm\":\"token_bucket\",\"limit\":2,",
        "\"window\":\"PT1M\",\"limit\":1000000000,");
    assertSameAsTree(d);
  }

  @Test
  void aShadowLimitPastItsAmountIsWrittenWithoutItsRetryAsTheTreeWritesIt() {
    LimitStatus shadow = new LimitStatus(Selector.parse("user:*"), "user:u1", LimitKind.RATE, "requests", null,
        1, 2, AT.plusSeconds(60), AT.plusSeconds(60), false, Mode.SHADOW, Duration.ofMinutes(1), null);
    byte[] written = DecisionWriter.bytes(new Decision(true, "r1", AT.plusSeconds(300), List.of(shadow), null, false, false));
    assertThat(new String(written, StandardCharsets.UTF_8)).doesNotContain("retryAt");
    assertSameAsTree(new Decision(true, "r1", AT.plusSeconds(300), List.of(shadow), null, false, false));
  }

  @Test
  void failOpenReplayedCheckAndTextThatNeedsEscaping() {
    LimitStatus odd = new LimitStatus(Selector.parse("user:*"), "user:\"q\\ü\u0001", LimitKind.RATE, "tokens",
        null, 10, 3, AT, null, true, Mode.ENFORCE, Duration.ofHours(1), null);
    assertSameAsTree(new Decision(true, null, null, List.of(odd), null, true, true));
    assertSameAsTree(new Decision(true, null, null, List.of(), null, false, false));
  }

  @Test
  void everyControlCharacterAndTextBeyondTheBasicPlaneAreEscapedAsTheTreeEscapesThem() {
    StringBuilder text = new StringBuilder("user:");
    for (char c = 0; c < 0x20; c++) {
      text.append(c);
    }
    text.append("\u007f\u00e9\u20ac\ud83d\ude00/\"end\"");
    LimitStatus odd = new LimitStatus(Selector.parse("user:*"), text.toString(), LimitKind.RATE, "m\u00fc",
        null, 10, 3, AT, null, true, Mode.ENFORCE, Duration.ofHours(1), null);
    assertSameAsTree(new Decision(false, null, null, List.of(odd), AT, false, false));
  }

  private static LimitStatus rate(boolean allowed) {
    return new LimitStatus(Selector.parse("user:*"), "user:u1", LimitKind.RATE, "requests", null,
        1_000_000_000L, allowed ? 1 : 1_000_000_000L, AT.plusSeconds(60), allowed ? null : AT.plusSeconds(2), allowed, Mode.ENFORCE,
        Duration.ofMinutes(1), null);
  }

  private static LimitStatus budget(boolean allowed, long limit, long used) {
    return new LimitStatus(Selector.parse("user:u1"), "user:u1", LimitKind.BUDGET_DAILY, null, "USD",
        limit, used, Instant.parse("2026-11-29T00:00:00Z"), null, allowed, Mode.ENFORCE, null, null);
  }

  private static void assertSameAsTree(Decision d) {
    assertThat(new String(DecisionWriter.bytes(d), StandardCharsets.UTF_8)).isEqualTo(Wire.decision(d).toString());
  }
}
