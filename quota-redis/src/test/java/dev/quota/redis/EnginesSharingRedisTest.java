package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Algorithm;
import dev.quota.Budget;
import dev.quota.Decision;
import dev.quota.LimitKind;
import dev.quota.LimitStatus;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.RateLimit;
import dev.quota.Settled;
import dev.quota.Subject;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two engines share one Redis, one configuration and one ledger, as two servers of a platform do,
 * and serve alice at the same time: reservations committed below, at and above their estimate,
 * released, or left to expire; recorded usage; the same idempotency key sent to both at once. No
 * admission ever finds the budget held past its limit, the budget ends holding exactly what the
 * ledger says was spent, and after Redis lost its data both engines rebuild that same amount.
 * Deleting every key of the test's prefix is the loss.
 */
class EnginesSharingRedisTest extends LostRedisEngine {
  private static final int THREADS_PER_ENGINE = 4;
  private static final int ROUNDS = 40;
  private static final BigDecimal LIMIT = new BigDecimal("3.00");

  private final Quota a = Quota.builder().clock(clock).store(store).config(config).ledger(ledger).build();
  private final Quota b = Quota.builder().clock(clock).config(config).ledger(ledger)
      .store(RedisStore.builder().prefix(prefix).timeout(Duration.ofSeconds(2)).testClockOffset(offsetMs::get).build())
      .build();
  private final ExecutorService pool = Executors.newFixedThreadPool(2 * THREADS_PER_ENGINE);

  EnginesSharingRedisTest() {
    super("sharing");
  }

  @Override
  Quota quota() {
    return a;
  }

  @AfterEach
  void closeTheOther() {
    pool.shutdownNow();
    b.close();
  }

  private void budget(String daily) {
    a.admin().putPolicy(
        Policy.builder("user:*").budget(Budget.of("USD", Money.of(daily), null, null)).build(), "admin@test", "t");
    b.reloadConfig(); // as a server's periodic reload does
  }

  private static LimitStatus daily(List<LimitStatus> limits) {
    return limits.stream().filter(l -> l.kind() == LimitKind.BUDGET_DAILY).findFirst().orElseThrow();
  }

  private BigDecimal usedOn(Quota engine) {
    return daily(engine.usage(Subject.of("user", "alice"))).usedAmount();
  }

  private BigDecimal ledgered() {
    Instant day = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.DAYS);
    return ledger.spent(Map.of("user", "alice"), day, day.plus(Duration.ofDays(1))).toBigDecimal();
  }

  /** What one worker saw: what it committed beyond the estimates, its denials, and any admission over the limit. */
  private record Seen(BigDecimal overrun, int denied, List<String> overLimit) {}

  @Test
  void reservationsSettledEveryWayOnTwoEnginesNeverPassTheBudgetAndMatchTheLedger() throws Exception {
    budget("3.00");
    String[] estimates = {"0.05", "0.07", "0.10"};
    String[] actuals = {"0", "0.01", "0.05", "0.09", "0.13"};
    CyclicBarrier start = new CyclicBarrier(2 * THREADS_PER_ENGINE);
    List<Future<Seen>> workers = new ArrayList<>();
    for (int t = 0; t < 2 * THREADS_PER_ENGINE; t++) {
      Quota engine = t % 2 == 0 ? a : b;
      Random random = new Random(t);
      workers.add(pool.submit(() -> {
        start.await();
        BigDecimal overrun = BigDecimal.ZERO;
        int denied = 0;
        List<String> overLimit = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
          String estimate = estimates[random.nextInt(estimates.length)];
          Decision d = engine.reserve(QuotaRequest.builder().user("alice").estimatedCost(estimate)
              .ttl(Duration.ofSeconds(30)).build());
          if (!d.admitted()) {
            denied++;
            continue;
          }
          LimitStatus held = daily(d.limits());
          if (held.usedAmount().compareTo(LIMIT) > 0) {
            overLimit.add(estimate + " admitted at " + held.usedAmount());
          }
          int way = random.nextInt(actuals.length + 2);
          if (way == actuals.length) {
            engine.release(d.reservationId());
          } else if (way < actuals.length) {
            Settled s = engine.commit(d.reservationId(), Money.of(actuals[way]), Map.of());
            overrun = overrun.add(s.overrun().toBigDecimal());
          } // else: left to expire
        }
        return new Seen(overrun, denied, overLimit);
      }));
    }
    BigDecimal overrun = BigDecimal.ZERO;
    int denied = 0;
    for (Future<Seen> f : workers) {
      Seen seen = f.get(120, TimeUnit.SECONDS);
      assertThat(seen.overLimit()).isEmpty();
      overrun = overrun.add(seen.overrun());
      denied += seen.denied();
    }
    assertThat(denied).as("the budget ran out while the engines raced").isPositive();
    advance(Duration.ofMinutes(1)); // every reservation left open expires

    BigDecimal used = usedOn(a);
    assertThat(usedOn(b)).isEqualByComparingTo(used);
    assertThat(used).isEqualByComparingTo(ledgered());
    // Past the limit by no more than what commits charged beyond their holds.
    assertThat(used).isLessThanOrEqualTo(LIMIT.add(overrun));

    loseRedis();
    assertThat(usedOn(b)).isEqualByComparingTo(used);
    assertThat(usedOn(a)).isEqualByComparingTo(used);
  }

  /** What one worker saw of a token limit: the tokens it left counted, beyond its holds, and any admission over the limit. */
  private record Tokens(long counted, long overrun, List<String> overLimit) {}

  /**
   * A token limit shared by both engines: each admission holds its estimate, a commit replaces it
   * with the tokens used (giving back the rest, or taking more), a release keeps it. The limit
   * counts exactly what the settlements left, and no admission finds it past its limit.
   */
  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void tokensGivenBackAndTakenOnTwoEnginesAreCountedExactly(Algorithm algorithm) throws Exception {
    // A month-long bucket refills less than a token while the test runs.
    Duration window = algorithm == Algorithm.TOKEN_BUCKET ? Duration.ofDays(31) : Duration.ofHours(1);
    a.admin().putPolicy(Policy.builder("user:*").rateLimit(new RateLimit("tokens", 20_000, window, algorithm)).build(),
        "admin@test", "t");
    b.reloadConfig();
    long[] used = {0, 150, 499, 500, 800};
    CyclicBarrier start = new CyclicBarrier(2 * THREADS_PER_ENGINE);
    List<Future<Tokens>> workers = new ArrayList<>();
    for (int t = 0; t < 2 * THREADS_PER_ENGINE; t++) {
      Quota engine = t % 2 == 0 ? a : b;
      Random random = new Random(100 + t);
      workers.add(pool.submit(() -> {
        start.await();
        long counted = 0;
        long overrun = 0;
        List<String> overLimit = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
          Decision d = engine.reserve(QuotaRequest.builder().user("alice").meter("tokens", 500).build());
          if (!d.admitted()) {
            continue;
          }
          LimitStatus tokens = tokens(d.limits());
          if (tokens.used() > tokens.limit()) {
            overLimit.add("admitted at " + tokens.used());
          }
          int way = random.nextInt(used.length + 1);
          if (way == used.length) {
            engine.release(d.reservationId()); // a release gives no rate-limit units back
            counted += 500;
          } else {
            engine.commit(d.reservationId(), Money.ZERO, Map.of("tokens", used[way]));
            counted += used[way];
            overrun += Math.max(0, used[way] - 500);
          }
        }
        return new Tokens(counted, overrun, overLimit);
      }));
    }
    long counted = 0;
    long overrun = 0;
    for (Future<Tokens> f : workers) {
      Tokens seen = f.get(120, TimeUnit.SECONDS);
      assertThat(seen.overLimit()).isEmpty();
      counted += seen.counted();
      overrun += seen.overrun();
    }
    // Admissions went on until the next estimate no longer fitted.
    assertThat(counted).as("the limit was reached while the engines raced").isGreaterThan(20_000 - 500);
    long held = tokens(a.usage(Subject.of("user", "alice"))).used();
    assertThat(tokens(b.usage(Subject.of("user", "alice"))).used()).isEqualTo(held);
    assertThat(held).isEqualTo(counted);
    assertThat(held).isLessThanOrEqualTo(20_000 + overrun);
  }

  private static LimitStatus tokens(List<LimitStatus> limits) {
    return limits.stream().filter(l -> "tokens".equals(l.meter())).findFirst().orElseThrow();
  }

  /**
   * The same usage recorded at once on both engines under one idempotency key, and the same
   * reservation asked of both and committed through both: each is charged and ledgered once, and
   * once more only after Redis lost its data, from the ledger, not twice.
   */
  @Test
  void retriesSentToBothEnginesAtOnceChargeOnce() throws Exception {
    budget("10.00");
    int callers = 2 * THREADS_PER_ENGINE;
    CyclicBarrier start = new CyclicBarrier(callers);
    ConcurrentLinkedQueue<String> reservations = new ConcurrentLinkedQueue<>();
    List<Future<?>> calls = new ArrayList<>();
    for (int t = 0; t < callers; t++) {
      Quota engine = t % 2 == 0 ? a : b;
      calls.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < 10; i++) {
          assertThat(engine.record(QuotaRequest.builder().user("alice").estimatedCost("0.11")
              .idempotencyKey("usage-" + i).build()).admitted()).isTrue();
          Decision d = engine.reserve(QuotaRequest.builder().user("alice").estimatedCost("0.20")
              .idempotencyKey("call-" + i).build());
          assertThat(d.admitted()).isTrue();
          reservations.add(d.reservationId());
          engine.commit(d.reservationId(), Money.of("0.17"), Map.of());
        }
        return null;
      }));
    }
    for (Future<?> f : calls) {
      f.get(120, TimeUnit.SECONDS);
    }
    assertThat(reservations.stream().distinct().count()).isEqualTo(10);
    BigDecimal once = new BigDecimal("2.80"); // 10 x (0.11 + 0.17)
    assertThat(usedOn(a)).isEqualByComparingTo(once);
    assertThat(usedOn(b)).isEqualByComparingTo(once);
    assertThat(ledgered()).isEqualByComparingTo(once);

    loseRedis();
    assertThat(usedOn(b)).isEqualByComparingTo(once);
    // Retried after the loss, on either engine: answered from the ledger, charged nothing more.
    assertThat(a.record(QuotaRequest.builder().user("alice").estimatedCost("0.11").idempotencyKey("usage-3").build())
        .replayed()).isTrue();
    assertThat(b.commit(reservations.peek(), Money.of("0.17"), Map.of()).repeated()).isTrue();
    assertThat(usedOn(a)).isEqualByComparingTo(once);
    assertThat(ledgered()).isEqualByComparingTo(once);
  }
}
