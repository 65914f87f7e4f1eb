package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.admin.MemoryConfigRepository;
import dev.quota.ledger.MemoryLedger;
import dev.quota.ledger.UsageEntry;
import dev.quota.store.MemoryStore;
import dev.quota.store.conformance.MutableClock;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A recorded usage's ledger row is dated by the store's clock, as a commit's is: the store charged
 * the budget period that holds its own time (Redis {@code TIME} on Redis), and a budget rebuilt
 * from the ledger counts each row in the period of its time. Dated by the engine's clock, a row
 * recorded as the store's day began, on a server a little behind it, fell in the day before, so
 * a rebuilt counter of the day that was charged left it out.
 */
class RecordedUsageTakesTheStoresTimeTest {
  private static final Instant ENGINE_TIME = Instant.parse("2026-06-14T23:59:59.800Z");
  private static final Instant STORE_TIME = Instant.parse("2026-06-15T00:00:00.300Z");
  private static final Map<String, String> ALICE = Map.of("user", "alice");

  private final MemoryLedger ledger = new MemoryLedger();
  private final Quota quota = Quota.builder()
      .clock(new MutableClock(ENGINE_TIME))
      .store(new MemoryStore(new MutableClock(STORE_TIME)))
      .config(new MemoryConfigRepository())
      .ledger(ledger)
      .build();

  @Test
  void aRecordedUsageRowFallsInThePeriodTheStoreCharged() {
    quota.admin().putPolicy(
        Policy.builder("user:*")
            .budget(new Budget("USD", Money.of("1.00"), null, null, ZoneOffset.UTC, LocalTime.MIDNIGHT, 1))
            .build(),
        ADMIN, "daily budget");

    Decision d = quota.record(QuotaRequest.builder().user("alice").estimatedCost("0.40").build());

    assertThat(d.limits()).singleElement().satisfies(l -> {
      assertThat(l.usedAmount()).isEqualByComparingTo("0.40");
      assertThat(l.resetAt()).as("the store charged its own day").isEqualTo(Instant.parse("2026-06-16T00:00:00Z"));
    });
    List<UsageEntry> charged = ledger.entries(ALICE, Instant.parse("2026-06-15T00:00:00Z"), Instant.parse("2026-06-16T00:00:00Z"));
    assertThat(charged).singleElement().extracting(UsageEntry::at).isEqualTo(STORE_TIME);
    quota.close();
  }
}
