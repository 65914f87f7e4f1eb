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
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis stalls past the client's timeout and the caller gets "unavailable; the request changed
 * nothing". When Redis resumes it runs the queued call, which must then change nothing: it started
 * after its deadline. Otherwise the counters would hold spend that the caller believes failed and
 * that the ledger never learns of. A retry is then a fresh application, charged and ledgered once.
 */
class LostReplyRetryTest {
  /**
   * Short, so that a stall outlasts it quickly, yet long enough that the calls around a stall do not
   * time out on a busy machine (100 ms did).
   */
  private static final Duration STORE_TIMEOUT = Duration.ofMillis(300);

  private RedisServerProcess server;
  private MemoryLedger ledger;
  private Quota quota;

  @BeforeEach
  void start() throws Exception {
    server = new RedisServerProcess();
    ledger = new MemoryLedger();
    RedisStore store = RedisStore.builder().uri(server.uri()).prefix("lost-reply:").timeout(STORE_TIMEOUT).build();
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
  void usageRecordedWhileRedisStallsChargesNothingWhenRedisResumes() {
    quota.record(QuotaRequest.builder().user("ann").estimatedCost("0.10").build());
    QuotaRequest usage = QuotaRequest.builder().user("ann").estimatedCost("0.20").build();
    whileRedisStalls(() -> assertThatThrownBy(() -> quota.record(usage)).isInstanceOf(StoreUnavailableException.class));

    assertThat(quota.usage(Subject.of("user", "ann")).get(0).usedAmount()).isEqualByComparingTo("0.10");
    assertThat(spent("ann")).isEqualTo(MoneyTotal.ofNanos(Money.of("0.10").nanos()));
  }

  @Test
  void aReservationMadeWhileRedisStallsHoldsNothingWhenRedisResumes() {
    quota.record(QuotaRequest.builder().user("bo").estimatedCost("0.10").build());
    QuotaRequest reserve = QuotaRequest.builder().user("bo").estimatedCost("9.90").build();
    whileRedisStalls(() -> assertThatThrownBy(() -> quota.reserve(reserve)).isInstanceOf(StoreUnavailableException.class));

    // the whole rest of the budget is still free: the stalled reservation holds none of it
    assertThat(quota.reserve(reserve).admitted()).isTrue();
  }

  @Test
  void aRetriedUsageWhoseFirstAttemptRedisRanLateIsAppliedAndLedgeredOnce() {
    quota.record(QuotaRequest.builder().user("lee").estimatedCost("0.10").build());
    QuotaRequest usage = QuotaRequest.builder().user("lee").estimatedCost("0.20").idempotencyKey("lee-1").build();
    whileRedisStalls(() -> assertThatThrownBy(() -> quota.record(usage)).isInstanceOf(StoreUnavailableException.class));
    assertThat(quota.usage(Subject.of("user", "lee")).get(0).usedAmount()).isEqualByComparingTo("0.10");

    Decision retry = quota.record(usage);
    assertThat(retry.replayed()).isFalse(); // the first attempt started too late and changed nothing
    Decision again = quota.record(usage);
    assertThat(again.replayed()).isTrue();

    assertThat(ledger.entries(Map.of("user", "lee"), Instant.EPOCH, Instant.now().plusSeconds(60))).hasSize(2);
    assertThat(spent("lee")).isEqualTo(MoneyTotal.ofNanos(Money.of("0.30").nanos()));
    assertThat(quota.usage(Subject.of("user", "lee")).get(0).usedAmount()).isEqualByComparingTo("0.30");
  }

  @Test
  void aRetriedCommitWhoseFirstAttemptRedisRanLateIsAppliedAndLedgeredOnce() {
    Decision reserved = quota.reserve(QuotaRequest.builder().user("mo").estimatedCost("0.50").build());
    String id = reserved.reservationId();
    whileRedisStalls(
        () -> assertThatThrownBy(() -> quota.commit(id, Money.of("0.30"), Map.of())).isInstanceOf(StoreUnavailableException.class));

    Settled retry = quota.commit(id, Money.of("0.30"), Map.of());
    assertThat(retry.repeated()).isFalse(); // the first attempt started too late and changed nothing
    assertThat(quota.commit(id, Money.of("0.30"), Map.of()).repeated()).isTrue();

    assertThat(ledger.entries(Map.of("user", "mo"), Instant.EPOCH, Instant.now().plusSeconds(60)))
        .singleElement()
        .satisfies(e -> assertThat(e.reservationId()).isEqualTo(id));
    assertThat(spent("mo")).isEqualTo(MoneyTotal.ofNanos(Money.of("0.30").nanos()));
  }

  private MoneyTotal spent(String user) {
    return ledger.spent(Map.of("user", user), Instant.EPOCH, Instant.now().plusSeconds(60));
  }

  /**
   * Runs {@code call} while Redis holds clients' commands for five times the store's
   * timeout, and waits for the pause to end (a command of the admin connection is held until
   * then): the held commands run once it ends, in the order they came.
   */
  private void whileRedisStalls(Runnable call) {
    server.admin().clientPause(STORE_TIMEOUT.multipliedBy(5).toMillis());
    try {
      call.run();
    } finally {
      assertThat(server.admin().ping()).isEqualTo("PONG");
    }
  }
}
