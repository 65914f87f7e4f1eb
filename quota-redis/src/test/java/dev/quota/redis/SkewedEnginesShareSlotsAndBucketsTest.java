package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Algorithm;
import dev.quota.Budget;
import dev.quota.Decision;
import dev.quota.LimitKind;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.PreparedRequest;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.RateLimit;
import dev.quota.ReservationExpiredException;
import dev.quota.Subject;
import dev.quota.admin.MemoryConfigRepository;
import dev.quota.ledger.MemoryLedger;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three engines whose clocks are minutes apart share one Redis, one configuration and one ledger,
 * as three servers do. A concurrency cap never has more calls in flight than it allows, whichever
 * engines reserve and settle; a slot comes back once, on commit, release or expiry by Redis's time,
 * however those race. A token bucket refills by Redis's time alone. A prepared request follows a
 * change of its per-request cap once its engine has taken the change up.
 */
class SkewedEnginesShareSlotsAndBucketsTest {
  private final String prefix = "test:skewed-engines:" + UUID.randomUUID() + ":";
  /** Redis time runs ahead of the real time by this much: the test moves it instead of sleeping. */
  private final AtomicLong redisAheadMs = new AtomicLong();
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final MemoryLedger ledger = new MemoryLedger();
  private final List<RedisStore> stores = new ArrayList<>();
  private final List<Quota> engines = List.of(
      engine(Duration.ZERO), engine(Duration.ofMinutes(7)), engine(Duration.ofMinutes(-7)));
  private final ExecutorService pool = Executors.newFixedThreadPool(9);

  private Quota engine(Duration skew) {
    RedisStore store = RedisStore.builder().prefix(prefix).timeout(Duration.ofSeconds(2))
        .testClockOffset(redisAheadMs::get).build();
    stores.add(store);
    return Quota.builder().clock(Clock.offset(Clock.systemUTC(), skew)).store(store).config(config).ledger(ledger).build();
  }

  @AfterEach
  void close() {
    pool.shutdownNow();
    stores.get(0).deleteAll();
    engines.forEach(Quota::close); // each closes its store
  }

  /** Puts a policy through the first engine; the others take it up as a server's reload does. */
  private void put(Policy policy) {
    engines.get(0).admin().putPolicy(policy, "admin@test", "skewed engines");
    engines.forEach(Quota::reloadConfig);
  }

  private static QuotaRequest ann() {
    return QuotaRequest.builder().user("ann").build();
  }

  @Test
  void aConcurrencyCapHoldsAcrossEnginesAndEachSlotComesBackOnce() throws Exception {
    put(Policy.builder("user:*").concurrency(3).build());
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicInteger admitted = new AtomicInteger();
    List<Future<?>> callers = new ArrayList<>();
    for (int t = 0; t < 9; t++) {
      int caller = t;
      callers.add(pool.submit(() -> {
        for (int i = 0; i < 40; i++) {
          Decision d = engines.get(caller % 3).reserve(ann());
          if (d.admitted()) {
            admitted.incrementAndGet();
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            // Counted out before it settles: the slot is free only once the settlement is done.
            inFlight.decrementAndGet();
            Quota other = engines.get((caller + 1 + i % 2) % 3);
            if (i % 2 == 0) {
              other.commit(d.reservationId(), Money.of("0.01"), Map.of());
            } else {
              other.release(d.reservationId());
            }
          }
        }
        return null;
      }));
    }
    for (Future<?> f : callers) {
      f.get(60, TimeUnit.SECONDS);
    }
    assertThat(most.get()).isBetween(1, 3);
    assertThat(admitted.get()).isGreaterThanOrEqualTo(40);
    assertThat(reservable(4, Duration.ofSeconds(30))).hasSize(3);

    // Settlements of the same reservations racing on every engine, and half the time their expiry.
    for (int round = 0; round < 20; round++) {
      assertThat(reservable(4, Duration.ofSeconds(30))).as("round " + round).isEmpty();
      redisAheadMs.addAndGet(31_000); // the three held since the last round expire
      List<Decision> held = reservable(4, Duration.ofSeconds(30));
      assertThat(held).as("round " + round).hasSize(3);
      List<Future<?>> settlements = new ArrayList<>();
      for (Decision d : held) {
        for (Quota q : engines) {
          settlements.add(pool.submit(() -> {
            try {
              q.commit(d.reservationId(), Money.ZERO, Map.of());
            } catch (RuntimeException settledOrExpired) {
              // another engine's release won, or the reservation expired first
            }
            q.release(d.reservationId());
            return null;
          }));
        }
      }
      if (round % 2 == 0) {
        redisAheadMs.addAndGet(31_000);
      }
      for (Future<?> f : settlements) {
        try {
          f.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException settledDifferently) {
          assertThat(settledDifferently.getCause())
              .isInstanceOfAny(dev.quota.ConflictException.class, ReservationExpiredException.class);
        }
      }
      // three slots again, whatever settled them: three hold, a fourth waits
      held = reservable(4, Duration.ofSeconds(30));
      assertThat(held).as("round " + round).hasSize(3);
    }
  }

  /** Tries {@code n} reservations of ann's, one engine after the other; the admitted ones. */
  private List<Decision> reservable(int n, Duration ttl) {
    List<Decision> admitted = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Decision d = engines.get(i % 3).reserve(QuotaRequest.builder().user("ann").ttl(ttl).build());
      if (d.admitted()) {
        admitted.add(d);
      }
    }
    return admitted;
  }

  @Test
  void anExpiredReservationIsRefusedItsSettlementAndItsSlotComesBackOnce() {
    put(Policy.builder("user:*").concurrency(2).build());
    List<Decision> held = reservable(3, Duration.ofSeconds(30));
    assertThat(held).hasSize(2);
    redisAheadMs.set(31_000);
    assertThatThrownBy(() -> engines.get(1).commit(held.get(0).reservationId(), Money.of("0.01"), Map.of()))
        .isInstanceOf(ReservationExpiredException.class);
    assertThatThrownBy(() -> engines.get(2).release(held.get(1).reservationId()))
        .isInstanceOf(ReservationExpiredException.class);
    assertThatThrownBy(() -> engines.get(0).release(held.get(1).reservationId()))
        .isInstanceOf(ReservationExpiredException.class);
    assertThat(reservable(3, Duration.ofSeconds(30))).hasSize(2);
  }

  @Test
  void aTokenBucketRefillsByRedisTimeWhateverTheEnginesClocksSay() {
    put(Policy.builder("user:*").rateLimit(new RateLimit("requests", 2, Duration.ofMinutes(1), Algorithm.TOKEN_BUCKET)).build());
    Quota ahead = engines.get(1);
    Quota behind = engines.get(2);
    assertThat(ahead.reserve(ann()).admitted()).isTrue();
    assertThat(behind.reserve(ann()).admitted()).isTrue();
    assertThat(ahead.reserve(ann()).admitted()).isFalse();
    redisAheadMs.set(31_000); // half a window: one token
    assertThat(behind.reserve(ann()).admitted()).isTrue();
    assertThat(ahead.reserve(ann()).admitted()).isFalse();
    PreparedRequest prepared = ahead.prepare(ann());
    assertThat(prepared.tryAcquire()).isFalse();
    redisAheadMs.set(61_000);
    assertThat(prepared.tryAcquire()).isTrue();
    assertThat(prepared.tryAcquire()).isFalse();
  }

  @Test
  void aPreparedRequestFollowsItsCapOnceItsEngineTookTheChangeUp() {
    put(capped("1.00"));
    List<PreparedRequest> prepared = new ArrayList<>();
    for (Quota q : engines) {
      prepared.add(q.prepare(QuotaRequest.builder().user("bob").estimatedCost("0.60").build()));
    }
    for (PreparedRequest p : prepared) {
      assertThat(p.tryAcquire()).isTrue();
    }
    engines.get(0).admin().putPolicy(capped("0.50"), "admin@test", "lower cap");
    engines.get(0).reloadConfig();
    assertThat(prepared.get(0).tryAcquire()).isFalse();
    assertThat(prepared.get(1).tryAcquire()).isTrue(); // not reloaded yet: the policy it follows
    engines.forEach(Quota::reloadConfig);
    for (PreparedRequest p : prepared) {
      assertThat(p.tryAcquire()).isFalse();
    }
    assertThat(dailyUsed("bob")).isEqualByComparingTo("2.40");
    put(capped("1.00"));
    assertThat(prepared.get(2).tryAcquire()).isTrue();
    assertThat(dailyUsed("bob")).isEqualByComparingTo("3.00");
  }

  private static Policy capped(String perRequest) {
    return Policy.builder("user:*").budget(Budget.of("USD", Money.of("100.00"), null, Money.of(perRequest))).build();
  }

  private BigDecimal dailyUsed(String user) {
    return engines.get(0).usage(Subject.of("user", user)).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_DAILY).findFirst().orElseThrow().usedAmount();
  }
}
