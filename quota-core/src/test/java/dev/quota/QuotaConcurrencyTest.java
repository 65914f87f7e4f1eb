package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Many threads race for one budget and one window; the counts must come out exact. */
class QuotaConcurrencyTest {
  private static final int THREADS = 8;
  private static final int REQUESTS = 10_000;

  private final MutableClock clock = Fixtures.clock();
  private final Quota quota = Fixtures.quota(clock);
  private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  private int race(QuotaRequest request) throws Exception {
    AtomicInteger admitted = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      futures.add(pool.submit((Callable<Void>) () -> {
        start.await();
        for (int i = 0; i < REQUESTS / THREADS; i++) {
          if (quota.reserve(request).admitted()) {
            admitted.incrementAndGet();
          }
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get();
    }
    return admitted.get();
  }

  @Test
  void exactlyTheLimitIsAdmittedAndExactlyTheRestRemains() throws Exception {
    // 3,000 per hour and USD 70.00 per day at 0.01 each: the budget (7,000) is not binding, the window is.
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(3000, Duration.ofHours(1))
        .budget(Budget.of("USD", Money.of("70.00"), null, null)).build(), ADMIN, "t");
    int admitted = race(QuotaRequest.builder().user("u").estimatedCost("0.01").build());
    assertThat(admitted).isEqualTo(3000);
    List<LimitStatus> usage = quota.usage(Subject.of("user", "u"));
    assertThat(usage.get(0).remaining()).isZero();
    assertThat(usage.get(1).used()).isEqualTo(Money.of("30.00").nanos());
    assertThat(usage.get(1).remainingAmount()).isEqualByComparingTo("40.00");
  }

  @Test
  void budgetBindsExactlyToTheSmallestFraction() throws Exception {
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(100_000, Duration.ofHours(1))
        .budget(Budget.of("USD", Money.of("12.345678901"), null, null)).build(), ADMIN, "t");
    int admitted = race(QuotaRequest.builder().user("u").estimatedCost("0.003").build());
    // floor(12.345678901 / 0.003) = 4115
    assertThat(admitted).isEqualTo(4115);
    LimitStatus budget = quota.usage(Subject.of("user", "u")).get(1);
    assertThat(budget.usedAmount()).isEqualByComparingTo("12.345");
    assertThat(budget.remainingAmount()).isEqualByComparingTo("0.000678901");
  }

  @Test
  void userTeamAndProjectTogetherAreExact() throws Exception {
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(5000, Duration.ofHours(1)).build(), ADMIN, "t");
    quota.admin().putPolicy(Policy.builder("team:*").rateLimit(4000, Duration.ofHours(1)).build(), ADMIN, "t");
    quota.admin().putPolicy(Policy.builder("project:*").budget(Budget.of("USD", Money.of("25"), null, null)).build(), ADMIN, "t");
    QuotaRequest r = QuotaRequest.builder().user("u").team("t").project("p").estimatedCost("0.01").build();
    int admitted = race(r);
    assertThat(admitted).isEqualTo(2500); // the project budget binds first
    assertThat(quota.usage(Subject.of("user", "u")).get(0).used()).isEqualTo(2500);
    assertThat(quota.usage(Subject.of("team", "t")).get(0).used()).isEqualTo(2500);
    assertThat(quota.usage(Subject.of("project", "p")).get(0).usedAmount()).isEqualByComparingTo("25");
  }

  @Test
  void eachAlertThresholdFiresExactlyOnceUnderConcurrency() throws Exception {
    List<dev.quota.alert.Alert> delivered = new java.util.concurrent.CopyOnWriteArrayList<>();
    quota.addAlertHandler(delivered::add);
    quota.admin().putPolicy(Policy.builder("user:*")
        .budget(Budget.of("USD", Money.of("50.00"), null, null)).build(), ADMIN, "t");
    race(QuotaRequest.builder().user("u").estimatedCost("0.01").build());
    assertThat(quota.drainAlerts(Duration.ofSeconds(10))).isTrue();
    assertThat(delivered).extracting(a -> a.threshold().toPlainString())
        .containsExactlyInAnyOrder("0.8", "0.9", "0.95", "1");
  }

  @Test
  void concurrencySlotsNeverExceedTheCap() throws Exception {
    quota.admin().putPolicy(Policy.builder("user:*").concurrency(7).build(), ADMIN, "t");
    int admitted = race(Fixtures.user("u"));
    assertThat(admitted).isEqualTo(7);
  }

  @Test
  void repeatedIdempotencyKeyCountsOnceEvenConcurrently() throws Exception {
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(100, Duration.ofHours(1)).build(), ADMIN, "t");
    QuotaRequest r = QuotaRequest.builder().user("u").idempotencyKey("req-1").build();
    List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      futures.add(pool.submit((Callable<Void>) () -> {
        start.await();
        for (int i = 0; i < 50; i++) {
          ids.add(quota.reserve(r).reservationId());
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get();
    }
    assertThat(ids).hasSize(400).containsOnly(ids.get(0));
    assertThat(quota.usage(Subject.of("user", "u")).get(0).used()).isEqualTo(1);
  }
}
