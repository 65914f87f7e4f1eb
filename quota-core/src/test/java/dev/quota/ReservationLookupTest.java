package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A reservation can be looked up by the id reserve returned while it is held, and not after. */
class ReservationLookupTest {
  private final MutableClock clock = Fixtures.clock();
  private final Quota quota = Fixtures.quota(clock);

  ReservationLookupTest() {
    quota.admin().putPolicy(
        Policy.builder("user:*").budget(Budget.of("USD", Money.of("10.00"), null, null)).build(), ADMIN, "test");
  }

  private Decision reserve(String user) {
    return quota.reserve(QuotaRequest.builder()
        .user(user).tool("search").estimatedCost("0.123456789").meter("tokens", 500)
        .idempotencyKey("call-" + user).ttl(Duration.ofMinutes(2)).build());
  }

  @Test
  void aHeldReservationTellsWhatItHoldsAndWhenItExpires() {
    Decision d = reserve("alice");
    Reservation r = quota.reservation(d.reservationId());
    assertThat(r.reservationId()).isEqualTo(d.reservationId());
    assertThat(r.subjects()).isEqualTo(Map.of("user", "alice", "tool", "search"));
    assertThat(r.estimatedCost()).isEqualTo(Money.of("0.123456789"));
    assertThat(r.meters()).isEqualTo(Map.of("requests", 1L, "tokens", 500L));
    assertThat(r.idempotencyKey()).isEqualTo("call-alice");
    assertThat(r.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(2)));
  }

  @Test
  void aSettledReservationIsNotFound() {
    String committed = reserve("bob").reservationId();
    String released = reserve("carol").reservationId();
    quota.commit(committed, Money.of("0.1"), Map.of());
    quota.release(released);
    for (String id : new String[] {committed, released}) {
      assertThatThrownBy(() -> quota.reservation(id))
          .isInstanceOf(NotFoundException.class)
          .hasMessageContaining("reservation " + id + " is not held");
    }
  }

  @Test
  void aReservationPastItsExpiryIsNotFoundBeforeAnyCallReleasesIt() {
    String id = reserve("dave").reservationId();
    clock.advance(Duration.ofMinutes(2).minusMillis(1));
    assertThat(quota.reservation(id).reservationId()).isEqualTo(id);
    clock.advance(Duration.ofMillis(1));
    assertThatThrownBy(() -> quota.reservation(id)).isInstanceOf(NotFoundException.class);
  }

  @Test
  void anIdNoReservationCanHaveIsRefusedNamingTheRule() {
    assertThatThrownBy(() -> quota.reservation(" padded"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("reservationId");
    assertThatThrownBy(() -> quota.reservation("x".repeat(65)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("reservationId");
    assertThatThrownBy(() -> quota.reservation("never-made")).isInstanceOf(NotFoundException.class);
  }
}
