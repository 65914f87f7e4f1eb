package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.MemoryConfigRepository;
import dev.quota.admin.Override;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An admin action reads the clock once: an override's creation, its audit entry and the start of
 * its duration are one instant, so one made to last an hour lasts exactly an hour from its
 * createdAt (told in the store's time, by which overrides end), and its audit entry tells when it
 * began.
 */
class AdminActionDatedOnceTest {
  private final TickingClock clock = new TickingClock(Instant.parse("2026-06-15T10:00:00Z"));
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final Quota quota = Quota.builder().clock(clock).config(config).build();
  private final QuotaAdmin admin = quota.admin();

  private AuditEntry latestAudit() {
    return config.audit(AuditQuery.latest(1)).get(0);
  }

  @Test
  void anOverrideGivenADurationLastsExactlyThatLongFromItsCreation() {
    Override o = admin.createOverrideLasting(Selector.parse("user:alice"), null, Duration.ofHours(1), ADMIN, "trial")
        .result();

    // The store shares the clock; it was read a tick after the engine's clock at the reload.
    Duration storeAhead = Duration.ofMillis(quota.index().storeAheadMs());
    assertThat(storeAhead).isEqualTo(Duration.ofMillis(1));
    assertThat(Duration.between(o.createdAt().plus(storeAhead), o.expiresAt())).isEqualTo(Duration.ofHours(1));
    assertThat(latestAudit().at()).isEqualTo(o.createdAt());
  }

  @Test
  void anOverrideGivenAnEndIsAuditedAtItsCreation() {
    Override o = admin.createOverride(
        Selector.parse("user:alice"), null, Instant.parse("2026-06-15T11:00:00Z"), ADMIN, "trial").result();

    assertThat(latestAudit().at()).isEqualTo(o.createdAt());
  }

  @Test
  void aDurationThatIsNotPositiveOrTooLongIsRefusedAndNothingIsStored() {
    for (Duration d : List.of(Duration.ZERO, Duration.ofSeconds(-1), Override.MAX_LIFETIME.plusMillis(1))) {
      assertThatThrownBy(() -> admin.createOverrideLasting(Selector.parse("user:alice"), null, d, ADMIN, "trial"))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("duration"));
    }
    assertThat(config.overrides()).isEmpty();
    assertThat(config.audit(AuditQuery.latest(10))).isEmpty();
  }
}
