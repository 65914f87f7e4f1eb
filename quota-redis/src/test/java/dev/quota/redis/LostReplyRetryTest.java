package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Budget;
import dev.quota.Decision;
import dev.quota.Money;
import dev.quota.MoneyTotal;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.Settled;
import dev.quota.StoreUnavailableException;
import dev.quota.Subject;
import dev.quota.ledger.MemoryLedger;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis stalls past the client's timeout, the caller gets "unavailable", and Redis then runs the
 * call anyway. The caller's retry is a replay to the store, and it must still bring the spend to
 * the ledger: otherwise the counters hold spend that the durable record never learns of, and it
 * vanishes the next time a budget is rebuilt from the ledger.
 */
class LostReplyRetryTest {
  private RedisServerProcess server;
  private MemoryLedger ledger;
  private Quota quota;

  @BeforeEach
  void start() throws Exception {
    server = new RedisServerProcess();
    ledger = new MemoryLedger();
    RedisStore store = RedisStore.builder().uri(server.uri()).prefix("lost-reply:").timeout(Duration.ofMillis(100)).build();
    quota = Quota.builder().store(store).ledger(ledger).build();
    quota.admin().putPolicy(
        Policy.builder("user:*").budget(Budget.of("USD", Money.of("10"), null, null)).build(), "admin@test", "lost replies");
  }

  @AfterEach
  void stop() throws Exception {
    quota.close();
    server.close();
  }

  @Test
  void aRetriedUsageWhoseFirstAttemptLandedLateIsLedgeredOnce() {
    quota.record(QuotaRequest.builder().user("lee").estimatedCost("0.10").build());
    QuotaRequest usage = QuotaRequest.builder().user("lee").estimatedCost("0.20").idempotencyKey("lee-1").build();
    whileRedisStalls(() -> assertThatThrownBy(() -> quota.record(usage)).isInstanceOf(StoreUnavailableException.class));

    Decision retry = quota.record(usage);
    assertThat(retry.replayed()).isTrue(); // Redis ran the first attempt once the stall ended
    Decision again = quota.record(usage);
    assertThat(again.replayed()).isTrue();

    assertThat(ledger.entries(Map.of("user", "lee"), Instant.EPOCH, Instant.now().plusSeconds(60))).hasSize(2);
    assertThat(spent("lee")).isEqualTo(MoneyTotal.ofNanos(Money.of("0.30").nanos()));
    assertThat(quota.usage(Subject.of("user", "lee")).get(0).usedAmount()).isEqualByComparingTo("0.30");
  }

  @Test
  void aRetriedCommitWhoseFirstAttemptLandedLateIsLedgeredOnce() {
    Decision reserved = quota.reserve(QuotaRequest.builder().user("mo").estimatedCost("0.50").build());
    String id = reserved.reservationId();
    whileRedisStalls(
        () -> assertThatThrownBy(() -> quota.commit(id, Money.of("0.30"), Map.of())).isInstanceOf(StoreUnavailableException.class));

    Settled retry = quota.commit(id, Money.of("0.30"), Map.of());
    assertThat(retry.repeated()).isTrue();
    quota.commit(id, Money.of("0.30"), Map.of());

    assertThat(ledger.entries(Map.of("user", "mo"), Instant.EPOCH, Instant.now().plusSeconds(60)))
        .singleElement()
        .satisfies(e -> assertThat(e.reservationId()).isEqualTo(id));
    assertThat(spent("mo")).isEqualTo(MoneyTotal.ofNanos(Money.of("0.30").nanos()));
  }

  private MoneyTotal spent(String user) {
    return ledger.spent(Map.of("user", user), Instant.EPOCH, Instant.now().plusSeconds(60));
  }

  /**
   * Runs {@code call} while Redis holds clients' commands for a second, ten times the store's
   * timeout, then lifts the pause: the held commands run once it ends, in the order they came.
   */
  private void whileRedisStalls(Runnable call) {
    server.admin().clientPause(1_000);
    try {
      call.run();
    } finally {
      server.admin().dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
          new CommandArgs<>(StringCodec.UTF8).add("UNPAUSE"));
    }
  }
}
