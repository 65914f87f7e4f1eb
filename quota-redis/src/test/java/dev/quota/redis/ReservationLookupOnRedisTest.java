package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Decision;
import dev.quota.Money;
import dev.quota.NotFoundException;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.Reservation;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * On Redis a reservation is held until Redis time passes its expiry, whatever the engine's clock
 * says, and a lookup tells what the record filed.
 */
class ReservationLookupOnRedisTest {
  private final AtomicLong redisOffsetMs = new AtomicLong();
  private RedisStore store;
  private MutableClock engineClock;
  private Quota quota;

  @BeforeEach
  void open() {
    store = RedisStore.builder().prefix("test:lookup:" + UUID.randomUUID() + ":").timeout(Duration.ofSeconds(2))
        .testClockOffset(redisOffsetMs::get).build();
    engineClock = new MutableClock(Instant.ofEpochMilli(store.nowMs()));
    quota = Quota.builder().clock(engineClock).store(store).build();
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(100, Duration.ofMinutes(1)).build(), "admin@test", "lookup");
  }

  @AfterEach
  void drop() {
    store.deleteAll();
    quota.close(); // closes the store too
  }

  @Test
  void aReservationIsHeldUntilRedisTimePassesItsExpiry() {
    Decision d = quota.reserve(QuotaRequest.builder()
        .user("erin").estimatedCost("0.000000001").meter("tokens", 7).ttl(Duration.ofSeconds(30)).build());
    Reservation r = quota.reservation(d.reservationId());
    assertThat(r.subjects()).isEqualTo(Map.of("user", "erin"));
    assertThat(r.estimatedCost()).isEqualTo(Money.of("0.000000001"));
    assertThat(r.meters()).isEqualTo(Map.of("requests", 1L, "tokens", 7L));
    assertThat(r.expiresAt()).isEqualTo(d.expiresAt());

    engineClock.advance(Duration.ofMinutes(5));
    assertThat(quota.reservation(d.reservationId()).expiresAt()).as("the engine's clock decides nothing").isEqualTo(d.expiresAt());

    redisOffsetMs.set(Duration.ofSeconds(31).toMillis());
    assertThatThrownBy(() -> quota.reservation(d.reservationId()))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining(d.reservationId());
  }
}
