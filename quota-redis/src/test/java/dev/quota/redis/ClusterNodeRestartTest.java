package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.Decision;
import dev.quota.LimitKind;
import dev.quota.LimitStatus;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.StoreUnavailableException;
import dev.quota.Subject;
import dev.quota.admin.MemoryConfigRepository;
import dev.quota.ledger.MemoryLedger;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A master of a Redis Cluster restarts without persistence: it comes back owning its slots but none
 * of their keys. Two engines sharing the cluster then read every budget (those whose slots the node
 * holds rebuilt from the ledger, the others as they were) as exactly what the ledger says was spent,
 * and go on counting from there.
 */
class ClusterNodeRestartTest {
  private final AtomicLong offsetMs = new AtomicLong();
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final MemoryLedger ledger = new MemoryLedger();
  private final List<Quota> engines = new ArrayList<>();
  private RedisClusterProcess cluster;
  private MutableClock clock;

  @AfterEach
  void stop() throws Exception {
    engines.forEach(Quota::close);
    if (cluster != null) {
      cluster.close();
    }
  }

  private Quota engine() {
    // The first decision after the restart loads the function library onto every master, bounded
    // by the connect timeout: 1 s by default, which a loaded machine can take just to compile it.
    RedisStore store = RedisStore.builder().uri(cluster.uri()).prefix("test:node-restart:")
        .timeout(Duration.ofSeconds(2)).connectTimeout(Duration.ofSeconds(10)).testClockOffset(offsetMs::get).build();
    if (clock == null) { // both clocks at noon of Redis's day, so that no budget day ends during the test
      long now = store.nowMs();
      Instant noon = Instant.ofEpochMilli(now).truncatedTo(ChronoUnit.DAYS).plus(Duration.ofHours(12));
      offsetMs.set(noon.toEpochMilli() - now);
      clock = new MutableClock(noon);
    }
    Quota q = Quota.builder().clock(clock).store(store).config(config).ledger(ledger).build();
    engines.add(q);
    return q;
  }

  private BigDecimal used(Quota q, String scope, String id) {
    return usage(q, Subject.of(scope, id)).stream().filter(l -> l.kind() == LimitKind.BUDGET_DAILY)
        .map(LimitStatus::usedAmount).findFirst().orElseThrow();
  }

  /**
   * The subject's usage once the engine reaches the restarted node again: the client reconnects to
   * it by itself, and until then a call there is answered as unavailable, changing nothing.
   */
  private static List<LimitStatus> usage(Quota q, Subject subject) {
    long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        return q.usage(subject);
      } catch (StoreUnavailableException notYet) {
        if (System.nanoTime() > giveUp) {
          throw notYet;
        }
      }
    }
  }

  private BigDecimal ledgered(String scope, String id) {
    Instant day = clock.instant().truncatedTo(ChronoUnit.DAYS);
    return ledger.spent(Map.of(scope, id), day, day.plus(Duration.ofDays(1))).toBigDecimal();
  }

  private void spend(Quota a, Quota b, int round) {
    for (int i = 0; i < 12; i++) {
      Quota q = i % 2 == 0 ? a : b;
      String user = "u" + i % 6;
      String team = "t" + i % 2;
      Decision d = q.reserve(QuotaRequest.builder().user(user).team(team).estimatedCost("0.50").build());
      assertThat(d.admitted()).isTrue();
      q.commit(d.reservationId(), Money.of("0.0" + (1 + i % 9)), Map.of());
      q.record(QuotaRequest.builder().user(user).team(team).estimatedCost("0.10")
          .idempotencyKey("usage-" + round + "-" + i).build());
    }
  }

  private void assertCountersMatchTheLedger(Quota a, Quota b) {
    for (int i = 0; i < 6; i++) {
      assertThat(used(a, "user", "u" + i)).as("u" + i).isEqualByComparingTo(ledgered("user", "u" + i));
      assertThat(used(b, "user", "u" + i)).as("u" + i).isEqualByComparingTo(ledgered("user", "u" + i));
    }
    for (int i = 0; i < 2; i++) {
      assertThat(used(a, "team", "t" + i)).as("t" + i).isEqualByComparingTo(ledgered("team", "t" + i));
      assertThat(used(b, "team", "t" + i)).as("t" + i).isEqualByComparingTo(ledgered("team", "t" + i));
    }
  }

  @Test
  void budgetsOfARestartedNodeAreRebuiltAndTheOthersKept() throws Exception {
    cluster = new RedisClusterProcess();
    Quota a = engine();
    Quota b = engine();
    a.admin().putPolicy(Policy.builder("user:*").budget(Budget.of("USD", Money.of("100"), null, null)).build(), "admin@test", "t");
    a.admin().putPolicy(Policy.builder("team:*").budget(Budget.of("USD", Money.of("100"), null, null)).build(), "admin@test", "t");
    b.reloadConfig();
    spend(a, b, 1);
    assertCountersMatchTheLedger(a, b);

    cluster.restartNode(1);
    clock.advance(Duration.ofMinutes(10));
    offsetMs.addAndGet(Duration.ofMinutes(10).toMillis());

    assertCountersMatchTheLedger(a, b);
    spend(a, b, 2);
    assertCountersMatchTheLedger(a, b);
    // two rounds of commits (0.01, 0.03, 0.05, 0.07, 0.09, 0.02) and usage (6 x 0.10)
    assertThat(ledgered("team", "t0")).isEqualByComparingTo("1.74");
  }
}
