package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.admin.MemoryConfigRepository;
import dev.quota.admin.Override;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What administrative actions accept, and what a stored configuration may hold. */
class AdminValidationTest {
  private final MutableClock clock = Fixtures.clock();

  private static Policy onePerHour(String selector) {
    return Policy.builder(selector).rateLimit(1, Duration.ofHours(1)).build();
  }

  /**
   * An earlier version stored an override expiring in the year 999,999,999, past what epoch
   * milliseconds hold; loading it then failed, so no policy change applied and no engine could
   * start over that configuration.
   */
  @Test
  void anOverrideStoredWithAnExpiryPastTheEnginesRangeStopsNeitherStartingNorOtherChanges() {
    Instant farFuture = Instant.parse("+999999999-12-31T23:59:59Z");
    MemoryConfigRepository stored = new MemoryConfigRepository();
    stored.putPolicy(onePerHour("user:*"), entry("policy.create"));
    stored.putOverride(
        new Override("o1", Selector.parse("user:poison"), null, true, farFuture, "r", ADMIN, clock.instant()),
        entry("override.create"));

    Quota restarted = Quota.builder().clock(clock).config(stored).build();

    // The override is in force as stored: the bypass lets user:poison past the hourly limit.
    assertThat(restarted.reserve(Fixtures.user("poison")).admitted()).isTrue();
    assertThat(restarted.reserve(Fixtures.user("poison")).admitted()).isTrue();
    // Other changes still apply.
    restarted.admin().putPolicy(onePerHour("team:*"), ADMIN, "teams too");
    QuotaRequest team = QuotaRequest.builder().team("t").build();
    assertThat(restarted.reserve(team).admitted()).isTrue();
    assertThat(restarted.reserve(team).admitted()).isFalse();
    clock.advance(Duration.ofDays(365 * 1000));
    restarted.reloadConfig();
    assertThat(restarted.reserve(Fixtures.user("poison")).admitted()).isTrue();
  }

  private dev.quota.admin.AuditEntry entry(String action) {
    return new dev.quota.admin.AuditEntry(0, clock.instant(), ADMIN, action, "t", null, null, "r");
  }
}
