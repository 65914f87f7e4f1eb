package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Decision;
import dev.quota.Money;
import dev.quota.MoneyTotal;
import dev.quota.Quota;
import dev.quota.ledger.ForwardingLedger;
import dev.quota.ledger.UsageEntry;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A commit or recorded usage is charged in Redis first and written to the ledger after. When Redis
 * lost its data in between and a budget was rebuilt from the ledger before the row was written,
 * the rebuilt budget lacked that spend for the rest of its period (a flushed Redis under load lost
 * a few commits' worth). A rebuild waits for the charges in flight instead. Deleting every key of
 * the test's prefix is the loss.
 */
class ChargesInFlightWhenRedisIsLostTest extends LostRedisEngine {
  private final HeldLedger held = new HeldLedger();
  private final Quota quota = Quota.builder().clock(clock).store(store).config(config).ledger(held).build();
  private final ExecutorService background = Executors.newCachedThreadPool();

  ChargesInFlightWhenRedisIsLostTest() {
    super("in-flight");
  }

  @Override
  Quota quota() {
    return quota;
  }

  @AfterEach
  void stopBackground() {
    held.release.countDown();
    background.shutdownNow();
  }

  /** Redis loses its data while {@code charge} is applied there and its ledger row is not yet written. */
  private BigDecimal rebuiltWhileInFlight(Runnable charge) throws Exception {
    held.holdNextAppend();
    Future<?> charging = background.submit(charge);
    assertThat(held.appending.await(10, TimeUnit.SECONDS)).isTrue();
    loseRedis();
    Future<BigDecimal> rebuilt = background.submit(this::usedToday);
    // Without waiting for the row, the rebuild reads the ledger at once; let the row go after that
    // read, or after a while if the rebuild is (rightly) waiting for the row.
    held.read.await(1, TimeUnit.SECONDS);
    held.release.countDown();
    charging.get(10, TimeUnit.SECONDS);
    return rebuilt.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aCommitChargedBeforeTheLossAndWrittenAfterItIsInTheRebuiltBudget() throws Exception {
    dailyBudget();
    spend("0.30");
    Decision open = quota.reserve(alice("0.20"));

    BigDecimal rebuilt = rebuiltWhileInFlight(() -> quota.commit(open.reservationId(), Money.of("0.25"), Map.of()));

    assertThat(rebuilt).isEqualByComparingTo("0.55");
    assertThat(usedToday()).isEqualByComparingTo("0.55");
    assertThat(quota.reserve(alice("0.46")).admitted()).isFalse();
  }

  @Test
  void usageRecordedBeforeTheLossAndWrittenAfterItIsInTheRebuiltBudget() throws Exception {
    dailyBudget();
    spend("0.30");

    BigDecimal rebuilt = rebuiltWhileInFlight(() -> quota.record(alice("0.25")));

    assertThat(rebuilt).isEqualByComparingTo("0.55");
    assertThat(usedToday()).isEqualByComparingTo("0.55");
  }

  /** Recorded usage that finds the budget lost rebuilds it itself; many at once must not wait for one another. */
  @Test
  void usageRecordedAtOnceAfterTheLossRebuildsTheBudgetOnceAndCountsEveryCharge() throws Exception {
    dailyBudget();
    spend("0.30");
    loseRedis();
    int callers = 8;
    CyclicBarrier start = new CyclicBarrier(callers);
    List<Future<Decision>> recorded = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      recorded.add(background.submit(() -> {
        start.await();
        return quota.record(alice("0.05"));
      }));
    }

    for (Future<Decision> f : recorded) {
      assertThat(f.get(10, TimeUnit.SECONDS).admitted()).isTrue();
    }
    assertThat(usedToday()).isEqualByComparingTo("0.70");
  }

  /** The ledger of the test, whose next append can be held until the test lets it go. */
  private final class HeldLedger extends ForwardingLedger {
    private final AtomicBoolean holdNext = new AtomicBoolean();
    final CountDownLatch appending = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    /** Counted down once a read of the ledger since {@link #holdNextAppend} is done. */
    volatile CountDownLatch read = new CountDownLatch(1);

    HeldLedger() {
      super(ledger);
    }

    void holdNextAppend() {
      read = new CountDownLatch(1);
      holdNext.set(true);
    }

    @Override
    public void append(UsageEntry entry) {
      if (holdNext.compareAndSet(true, false)) {
        appending.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      super.append(entry);
    }

    @Override
    public MoneyTotal spent(Map<String, String> subjects, String currency, Instant from, Instant to) {
      MoneyTotal spent = super.spent(subjects, currency, from, to);
      read.countDown();
      return spent;
    }
  }
}
