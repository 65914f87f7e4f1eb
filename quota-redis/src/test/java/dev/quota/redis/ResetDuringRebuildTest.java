package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.MoneyTotal;
import dev.quota.Quota;
import dev.quota.Subject;
import dev.quota.ledger.ForwardingLedger;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two engines share one Redis, one configuration and one ledger, as two servers do. After Redis
 * lost its data, one of them rebuilds alice's budget from the ledger; an admin resets alice through
 * the other while that rebuild has read the ledger but not yet written the counter. The rebuild
 * used to write the spend it read, from before the reset, into the counter the reset had just
 * started afresh: the reset was answered and undone, and alice stayed refused for the rest of the
 * day. Deleting every key of the test's prefix is the loss.
 */
class ResetDuringRebuildTest extends LostRedisEngine {
  private final HeldReads held = new HeldReads();
  private final Quota rebuilding = Quota.builder().clock(clock).store(store).config(config).ledger(held).build();
  private final Quota other = Quota.builder().clock(clock).config(config).ledger(ledger)
      .store(RedisStore.builder().prefix(prefix).timeout(Duration.ofSeconds(2)).testClockOffset(offsetMs::get).build())
      .build();
  private final ExecutorService background = Executors.newCachedThreadPool();

  ResetDuringRebuildTest() {
    super("reset-rebuild");
  }

  @Override
  Quota quota() {
    return rebuilding;
  }

  @AfterEach
  void closeTheOther() {
    held.release.countDown();
    background.shutdownNow();
    other.close();
  }

  @Test
  void aResetMadeWhileAnotherEngineRebuildsTheBudgetIsNotUndoneByThatRebuild() throws Exception {
    dailyBudget();
    spend("0.60");
    loseRedis();

    held.holdNextRead();
    Future<BigDecimal> rebuilt = background.submit(this::usedToday);
    assertThat(held.reading.await(10, TimeUnit.SECONDS)).isTrue();
    advance(Duration.ofSeconds(1));
    other.admin().resetSubject(Subject.of("user", "alice"), "admin@test", "support ticket");
    held.release.countDown();
    rebuilt.get(10, TimeUnit.SECONDS);

    assertThat(usedToday()).isEqualByComparingTo("0");
    assertThat(other.check(alice("0.90")).admitted()).isTrue();
    assertThat(rebuilding.check(alice("0.90")).admitted()).isTrue();
  }

  /** The shared ledger, whose next read of spend is held, once read, until the test lets it go. */
  private final class HeldReads extends ForwardingLedger {
    private final AtomicBoolean holdNext = new AtomicBoolean();
    final CountDownLatch reading = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    HeldReads() {
      super(ledger);
    }

    void holdNextRead() {
      holdNext.set(true);
    }

    @Override
    public MoneyTotal spent(Map<String, String> subjects, String currency, Instant from, Instant to) {
      MoneyTotal spent = super.spent(subjects, currency, from, to);
      if (holdNext.compareAndSet(true, false)) {
        reading.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      return spent;
    }
  }
}
