package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.LimitKind;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.Subject;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.MemoryConfigRepository;
import dev.quota.ledger.MemoryLedger;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An engine that starts while Redis hangs (a private redis-server frozen with SIGSTOP), its clock
 * minutes off Redis's, has never read Redis time and dates its budget take-up by its own clock. Its
 * first reload once Redis answers dates it by Redis time, so a budget whose calendar was changed and
 * changed back holds what was charged under the other calendar, before and after that engine starts.
 */
class BudgetTakeUpWhileRedisHangsTest {
  private static final Duration SKEW = Duration.ofMinutes(5);
  private RedisServerProcess server;
  /** Redis's clock as the stores read it runs ahead of Redis time by this much, so tests move it. */
  private final AtomicLong offsetMs = new AtomicLong();
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final MemoryLedger ledger = new MemoryLedger();
  private MutableClock redisClock;
  private MutableClock engineClock;
  private Quota before;
  private Quota quota;

  @BeforeEach
  void start() throws Exception {
    server = new RedisServerProcess();
    RedisStore store = store();
    long now = store.nowMs();
    Instant noon = Instant.ofEpochMilli(now).truncatedTo(ChronoUnit.DAYS).plus(Duration.ofHours(12));
    offsetMs.set(noon.toEpochMilli() - now);
    redisClock = new MutableClock(noon);
    engineClock = new MutableClock(noon);
    before = Quota.builder().clock(engineClock).store(store).config(config).ledger(ledger).build();
  }

  private RedisStore store() {
    return RedisStore.builder().uri(server.uri()).prefix("takeup:").timeout(Duration.ofSeconds(2))
        .testClockOffset(offsetMs::get).build();
  }

  @AfterEach
  void stop() throws Exception {
    server.resume();
    if (before != null) {
      before.close(); // closes its store
    }
    if (quota != null) {
      quota.close();
    }
    server.close();
  }

  private void aMinutePasses() {
    offsetMs.addAndGet(Duration.ofMinutes(1).toMillis());
    redisClock.advance(Duration.ofMinutes(1));
    engineClock.advance(Duration.ofMinutes(1));
  }

  /** A daily budget of 2.00 whose day begins at {@code resetTime} UTC. */
  private static Policy daily(String resetTime) {
    return Policy.builder("user:*")
        .budget(new Budget("USD", Money.of("2.00"), null, null, ZoneOffset.UTC, LocalTime.parse(resetTime), 1))
        .build();
  }

  private static void budget(Quota q, String resetTime) {
    q.admin().putPolicy(daily(resetTime), "admin@test", "calendar");
  }

  private static QuotaRequest alice(String cost) {
    return QuotaRequest.builder().user("alice").estimatedCost(cost).build();
  }

  private static void record(Quota q, String cost) {
    assertThat(q.record(alice(cost)).admitted()).isTrue();
  }

  private static BigDecimal usedToday(Quota q) {
    return q.usage(Subject.of("user", "alice")).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_DAILY).findFirst().orElseThrow().usedAmount();
  }

  @Test
  void anEngineStartedBehindRedisWhileItHangsHoldsWhatWasChargedUnderTheOtherCalendar() throws Exception {
    theBudgetHoldsWhatWasChargedUnderTheOtherCalendar(SKEW.negated());
  }

  @Test
  void anEngineStartedAheadOfRedisWhileItHangsHoldsWhatWasChargedUnderTheOtherCalendar() throws Exception {
    theBudgetHoldsWhatWasChargedUnderTheOtherCalendar(SKEW);
  }

  private void theBudgetHoldsWhatWasChargedUnderTheOtherCalendar(Duration ahead) throws Exception {
    budget(before, "00:00");
    record(before, "1.00");
    aMinutePasses();
    budget(before, "06:00"); // today began at 06:00: a counter of another name
    aMinutePasses();
    record(before, "0.25");
    aMinutePasses();
    // Changed back in the repository while no engine ran, as a configuration applied then is.
    config.putPolicy(daily("00:00"), replaced -> new AuditEntry(
        0, redisClock.instant(), "admin@test", "policy.update", "user:*", null, null, "calendar"));
    RedisStore store = store();
    store.nowMs(); // connected before Redis hangs, so that it answers as soon as Redis runs again
    server.pause();
    engineClock = new MutableClock(redisClock.instant().plus(ahead));
    quota = Quota.builder().clock(engineClock).store(store).config(config).ledger(ledger).build();

    server.resume();
    quota.reloadConfig(); // nothing changed since it started: as a server's periodic reload

    assertThat(usedToday(quota)).isEqualByComparingTo("1.25");
    aMinutePasses();
    budget(quota, "06:00");
    aMinutePasses();
    record(quota, "0.30"); // to the day begun at 06:00 only
    aMinutePasses();
    budget(quota, "00:00"); // back to the counter that holds 1.25 only
    assertThat(usedToday(quota)).isEqualByComparingTo("1.55");
    assertThat(quota.reserve(alice("0.50")).admitted()).isFalse(); // would fit at 1.25
    assertThat(quota.reserve(alice("0.45")).admitted()).isTrue();
  }
}
