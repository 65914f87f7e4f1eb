package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.plan.CounterKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A tripwire between how budget counters are named and the fingerprint that says, across restarts,
 * that the engines have counted in these very counters ({@link BudgetCounterSet}). A restart that
 * finds its fingerprint recorded trusts the counters in place; if a new version named them otherwise
 * under the same fingerprint, it would find every period in progress empty and never rebuild it
 * from the ledger. So both are pinned here, together: a change to the counters' names or to the
 * periods a calendar reckons fails the first test, and the fix is to change the fingerprint's
 * canonical text too (which fails the second), then update both pins.
 *
 * <p>The zone is a fixed offset, whose rules no time zone database release can move, so the pins
 * hold on every runtime.
 */
class BudgetCounterNamingPinTest {
  private static final Budget BUDGET = new Budget(
      "EUR", Money.of("10.00"), Money.of("200.00"), null, ZoneOffset.ofHours(2), LocalTime.of(6, 0), 15);
  private static final Policy POLICY = Policy.builder("team:*").budget(BUDGET).build();
  private static final Instant AT = Instant.parse("2026-03-10T03:30:00Z");

  @Test
  void budgetCountersAreNamedAsTheFingerprintRecordsThem() {
    String subject = CounterKeys.subjectOf(Selector.parse("team:*"), Map.of("team", "a|b"));
    BudgetCalendar.Period day = BudgetCalendar.day(BUDGET, AT);
    BudgetCalendar.Period month = BudgetCalendar.month(BUDGET, AT);

    assertThat(List.of(
            CounterKeys.budget(subject, BUDGET.currency(), day.name(), day.startMs()).toString(),
            CounterKeys.budget(subject, BUDGET.currency(), month.name(), month.startMs()).toString()))
        .as("budget counters are named otherwise: change BudgetCounterSet's canonical text too, then both pins")
        .containsExactly(
            // 05:30 at +02:00 is before the 06:00 reset: the day began the day before, at 04:00 UTC.
            subject + "|b/EUR/daily/" + Instant.parse("2026-03-09T04:00:00Z").toEpochMilli(),
            // The 10th is before the 15th: the month began on 15 February.
            subject + "|b/EUR/monthly/" + Instant.parse("2026-02-15T04:00:00Z").toEpochMilli());
  }

  @Test
  void theFingerprintOfAKnownSetIsPinned() throws Exception {
    // Each field with its length before it, in the order owner, currency, daily, monthly, zone,
    // zone rules release (none for an offset), reset time, reset day; one line per member.
    String canonical = "13:policy team:*;3:EUR;4:true;4:true;6:+02:00;0:;5:06:00;2:15;\n";
    String pinned = HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));

    assertThat(BudgetCounterSet.of(List.of(POLICY), List.of()).fingerprint())
        .as("the fingerprint's canonical text changed: counters recorded by earlier versions are taken for another set")
        .isEqualTo(pinned);
  }
}
