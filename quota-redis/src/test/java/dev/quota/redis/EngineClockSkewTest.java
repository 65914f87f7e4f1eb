package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Budget;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.Selector;
import dev.quota.Subject;
import dev.quota.ValidationException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Application servers whose clocks disagree by five minutes still share one exact limit, and end an
 * override at once: Redis keeps time.
 */
class EngineClockSkewTest {
  private final String prefix = "test:skew:" + UUID.randomUUID() + ":";
  private final RedisStore storeA = RedisStore.builder().prefix(prefix).timeout(Duration.ofSeconds(2)).build();
  private final RedisStore storeB = RedisStore.builder().prefix(prefix).timeout(Duration.ofSeconds(2)).build();
  private final Quota early = engine(storeA, Clock.systemUTC());
  private final Quota late = engine(storeB, Clock.offset(Clock.systemUTC(), Duration.ofMinutes(5)));

  private static Quota engine(RedisStore store, Clock clock) {
    Quota q = Quota.builder().clock(clock).store(store).build();
    q.admin().putPolicy(Policy.builder("user:*").rateLimit(10, Duration.ofMinutes(1))
        .budget(Budget.of("USD", Money.of("1.00"), null, null)).build(), "admin@test", "skew test");
    return q;
  }

  @AfterEach
  void close() {
    storeA.deleteAll();
    early.close(); // closes its store
    late.close();
  }

  @Test
  void twoEnginesFiveMinutesApartAdmitWhatOneWould() {
    int admitted = 0;
    for (int i = 0; i < 30; i++) {
      Quota q = List.of(early, late).get(i % 2);
      if (q.reserve(QuotaRequest.builder().user("ann").build()).admitted()) {
        admitted++;
      }
    }
    assertThat(admitted).isEqualTo(10);

    int spent = 0;
    for (int i = 0; i < 8; i++) {
      Quota q = List.of(early, late).get(i % 2);
      if (q.record(QuotaRequest.builder().user("bob").estimatedCost("0.30").build()).admitted()) {
        spent++;
      }
    }
    assertThat(spent).isEqualTo(8); // record charges what already happened
    assertThat(early.reserve(QuotaRequest.builder().user("cy").estimatedCost("0.30").build()).admitted()).isTrue();
    assertThat(late.reserve(QuotaRequest.builder().user("cy").estimatedCost("0.30").build()).admitted()).isTrue();
    assertThat(early.reserve(QuotaRequest.builder().user("cy").estimatedCost("0.30").build()).admitted()).isTrue();
    assertThat(late.reserve(QuotaRequest.builder().user("cy").estimatedCost("0.30").build()).admitted()).isFalse();
  }

  @Test
  void anOverrideEndsByRedisTimeOnEveryEngine() {
    // Redis runs on this host: its time is the system clock's, which the early engine keeps.
    Instant ends = Instant.now().plus(Duration.ofMinutes(10));
    for (Quota q : List.of(early, late)) {
      q.admin().createOverride(Selector.parse("user:dan"), null, ends, "admin@test", "incident");
      assertThat(q.overrideInForce(Subject.of("user", "dan"))).isPresent();
    }
    int admitted = 0;
    for (int i = 0; i < 30; i++) {
      if (List.of(early, late).get(i % 2).reserve(QuotaRequest.builder().user("dan").build()).admitted()) {
        admitted++;
      }
    }
    assertThat(admitted).isEqualTo(30); // bypassed on both: counted, never denied
  }

  @Test
  void anOverrideAlreadyOverByRedisTimeIsRefusedOnAnEngineBehindIt() {
    RedisStore storeC = RedisStore.builder().prefix(prefix).timeout(Duration.ofSeconds(2)).build();
    try (Quota behind = engine(storeC, Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-5)))) {
      Instant ended = Instant.now().minus(Duration.ofMinutes(1)); // in the future of the engine's clock
      assertThatThrownBy(() -> behind.admin().createOverride(Selector.parse("user:dan"), null, ended, "admin@test", "late"))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("expiresAt"));
      assertThat(behind.admin().overrides()).isEmpty();
    }
  }
}
