package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.admin.MemoryConfigRepository;
import dev.quota.ledger.MemoryLedger;
import dev.quota.store.MemoryStore;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Engines sharing one store and one configuration agree on when an override ends, however far
 * their clocks are apart: its {@code expiresAt} is read in the store's time, as windows, budget
 * periods and resets are. Each engine tells the store's time from its own clock and the difference
 * it measured at its last reload, so no decision asks the store for it.
 */
class OverrideExpiryUnderClockSkewTest {
  private static final Subject ALICE = Subject.of("user", "alice");
  private static final Duration SKEW = Duration.ofMinutes(5);
  private static final Instant START = Instant.parse("2026-06-15T10:00:00Z");
  /** 10:10 by the store's clock. */
  private static final Instant ENDS = START.plus(Duration.ofMinutes(10));
  private final MutableClock storeClock = new MutableClock(START);
  private final MutableClock aheadClock = new MutableClock(START.plus(SKEW));
  private final MutableClock behindClock = new MutableClock(START.minus(SKEW));
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final MemoryLedger ledger = new MemoryLedger();
  private final MemoryStore store = new MemoryStore(storeClock);
  private final Quota ahead = engine(aheadClock);
  private final Quota behind = engine(behindClock);

  private Quota engine(MutableClock clock) {
    return Quota.builder().clock(clock).config(config).ledger(ledger).store(store).build();
  }

  private void passes(Duration d) {
    for (MutableClock c : List.of(storeClock, aheadClock, behindClock)) {
      c.advance(d);
    }
  }

  /** One request a day for every user; alice has already made hers. */
  private void oneADayUsedUp() {
    ahead.admin().putPolicy(Policy.builder("user:*").rateLimit(1, Duration.ofDays(1)).build(), ADMIN, "daily");
    behind.reloadConfig();
    assertThat(ahead.record(Fixtures.user("alice")).admitted()).isTrue();
  }

  private static boolean admits(Quota q) {
    return q.check(Fixtures.user("alice")).admitted();
  }

  @Test
  void aBypassEndsAtItsExpiryByTheStoresClockOnEveryEngine() {
    oneADayUsedUp();
    ahead.admin().createOverride(Selector.parse("user:alice"), null, ENDS, ADMIN, "incident 7");
    behind.reloadConfig();

    passes(Duration.ofMinutes(10).minusMillis(1)); // 10:09:59.999 by the store
    for (Quota q : List.of(ahead, behind)) {
      assertThat(q.overrideInForce(ALICE)).isPresent();
      assertThat(admits(q)).isTrue();
    }

    passes(Duration.ofMillis(1)); // 10:10 by the store
    for (Quota q : List.of(ahead, behind)) {
      assertThat(q.overrideInForce(ALICE)).isEmpty();
      assertThat(admits(q)).isFalse();
    }
  }

  @Test
  void aPreparedRequestStopsUsingARaisedLimitAtItsExpiryByTheStoresClock() {
    oneADayUsedUp();
    ahead.admin().createOverride(
        Selector.parse("user:alice"), Policy.builder("user:alice").rateLimit(100, Duration.ofDays(1)).build(),
        ENDS, ADMIN, "launch");
    behind.reloadConfig();
    PreparedRequest onAhead = ahead.prepare(Fixtures.user("alice"));
    PreparedRequest onBehind = behind.prepare(Fixtures.user("alice"));

    passes(Duration.ofMinutes(10).minusMillis(1));
    assertThat(onAhead.tryAcquire()).isTrue();
    assertThat(onBehind.tryAcquire()).isTrue();

    passes(Duration.ofMillis(1));
    assertThat(onAhead.tryAcquire()).isFalse(); // back to one a day, used up
    assertThat(onBehind.tryAcquire()).isFalse();
  }

  @Test
  void anOverrideAlreadyOverByTheStoresClockIsRefused() {
    // 09:58 is in the future of the engine behind the store (09:55), in the past of the store (10:00).
    assertThatThrownBy(() -> behind.admin().createOverride(
            Selector.parse("user:alice"), null, START.minus(Duration.ofMinutes(2)), ADMIN, "too late"))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("expiresAt"));
    assertThat(config.overrides()).isEmpty();
  }

  @Test
  void anOverrideThatWouldEndBeforeItsCreationByTheEnginesClockIsRefused() {
    // 10:03 is in the store's future, but before 10:05, when the engine ahead of it dates the override.
    assertThatThrownBy(() -> ahead.admin().createOverride(
            Selector.parse("user:alice"), null, START.plus(Duration.ofMinutes(3)), ADMIN, "too short"))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("expiresAt"));
    assertThatThrownBy(() -> ahead.admin().createOverrideLasting(
            Selector.parse("user:alice"), null, Duration.ofMinutes(4), ADMIN, "too short"))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("duration"));
    assertThat(config.overrides()).isEmpty();
  }

  @Test
  void anOverrideLastingADurationLastsThatLongByTheStoresClock() {
    oneADayUsedUp();
    behind.admin().createOverrideLasting(Selector.parse("user:alice"), null, Duration.ofMinutes(10), ADMIN, "incident 8");
    ahead.reloadConfig();

    assertThat(config.overrides().get(0).expiresAt()).isEqualTo(ENDS);
    passes(Duration.ofMinutes(10).minusMillis(1));
    assertThat(admits(ahead)).isTrue();
    passes(Duration.ofMillis(1));
    assertThat(admits(behind)).isFalse();
  }
}
