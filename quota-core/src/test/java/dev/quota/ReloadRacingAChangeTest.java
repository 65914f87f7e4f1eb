package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.admin.AuditEntry;
import dev.quota.admin.ForwardingConfig;
import dev.quota.admin.MemoryConfigRepository;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A periodic reload that read the configuration just before an admin change, and installs it just
 * after the change was stored, must not leave the change out of force: the engine serializes
 * reloads and the change's own reload reads afresh after it. A server relies on this to reload
 * without holding up admin changes behind a lock (a reload may wait seconds on a database that
 * does not answer).
 */
class ReloadRacingAChangeTest {
  /** Holds the next read of the policies, once made, until released. */
  private static final class HeldReadConfig extends ForwardingConfig {
    final CountDownLatch read = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch stored = new CountDownLatch(1);
    volatile boolean holding;

    HeldReadConfig() {
      super(new MemoryConfigRepository());
    }

    @java.lang.Override
    public List<Policy> policies() {
      List<Policy> snapshot = List.copyOf(super.policies()); // as read now, whatever is stored later
      if (holding) {
        holding = false;
        read.countDown();
        await(release);
      }
      return snapshot;
    }

    @java.lang.Override
    public Optional<Policy> putPolicy(Policy policy, Function<Optional<Policy>, AuditEntry> audit) {
      Optional<Policy> replaced = super.putPolicy(policy, audit);
      stored.countDown();
      return replaced;
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(30, TimeUnit.SECONDS)).as("waited for the other thread").isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static void awaitWaitingOrDone(Thread t) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (t.isAlive() && t.getState() != Thread.State.BLOCKED && t.getState() != Thread.State.WAITING) {
      assertThat(System.nanoTime()).as("the change's thread neither finished nor waited").isLessThan(deadline);
      Thread.onSpinWait();
    }
  }

  @Test
  void aChangeStoredWhileAReloadHeldAnOlderReadIsInForceOnceBothFinish() throws Exception {
    HeldReadConfig config = new HeldReadConfig();
    Quota quota = Quota.builder().clock(Fixtures.clock()).config(config).build();
    config.holding = true;
    CompletableFuture<Void> reload = CompletableFuture.runAsync(quota::reloadConfig);
    await(config.read); // the reload holds a read without the policy

    AtomicReference<Change<Optional<Policy>>> change = new AtomicReference<>();
    Thread changer = new Thread(() -> change.set(quota.admin().putPolicy(
        Policy.builder("user:*").rateLimit(1, Duration.ofMinutes(1)).build(), ADMIN, "one a minute")));
    changer.start();
    await(config.stored);
    // The change's own reload now waits for the held one, or (were reloads not serialized) has
    // already installed the change: either way the older read installs last.
    awaitWaitingOrDone(changer);
    config.release.countDown();

    reload.get(30, TimeUnit.SECONDS);
    changer.join(TimeUnit.SECONDS.toMillis(30));
    assertThat(change.get().applied()).isTrue();
    assertThat(quota.reserve(Fixtures.userCost("alice", "0")).admitted()).isTrue();
    assertThat(quota.reserve(Fixtures.userCost("alice", "0")).admitted()).as("the policy is in force").isFalse();
    quota.close();
  }
}
