package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.LimitKind;
import dev.quota.LimitStatus;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.Selector;
import dev.quota.Subject;
import dev.quota.jdbc.Database;
import dev.quota.jdbc.JdbcConfigRepository;
import dev.quota.jdbc.JdbcUsageLedger;
import dev.quota.redis.RedisStore;
import dev.quota.store.conformance.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On Redis and PostgreSQL, budget counters are kept per currency and seeded from the ledger's rows
 * in their own currency (and those in none): an override in euros over a policy in dollars starts
 * without the dollars spent, and the dollar budget rebuilt after Redis lost its data leaves out the
 * euros spent under the override. Deleting every key of the test's prefix is the loss.
 *
 * <p>The engine's clock and Redis's move together (Redis time plus an offset), from noon of Redis's
 * day, so no step crosses into the next budget day.
 */
class BudgetSeededInItsCurrencyOnRedisPostgresTest {
  private static final Subject TEAM = Subject.of("team", "ov");

  @TempDir Path dir;
  private final PostgresSchema schema = new PostgresSchema();
  private final AtomicLong offsetMs = new AtomicLong();
  private final RedisStore store = RedisStore.builder()
      .prefix("test:seeded-currency:" + UUID.randomUUID() + ":")
      .timeout(Duration.ofSeconds(2))
      .connectTimeout(Duration.ofSeconds(5))
      .testClockOffset(offsetMs::get)
      .build();
  private final MutableClock clock = noonOfRedisDay();
  private final Database database = Database.open(schema.url());
  private Quota quota;

  private MutableClock noonOfRedisDay() {
    long redisNow = store.nowMs();
    Instant noon = Instant.ofEpochMilli(redisNow).truncatedTo(ChronoUnit.DAYS).plus(Duration.ofHours(12));
    offsetMs.set(noon.toEpochMilli() - redisNow);
    return new MutableClock(noon);
  }

  @AfterEach
  void stopEverything() {
    store.deleteAll();
    if (quota != null) {
      quota.close(); // closes its store
    } else {
      store.close();
    }
    database.close();
    schema.drop();
  }

  private Quota start() {
    JdbcUsageLedger ledger = JdbcUsageLedger.builder(database).spoolDirectory(dir.resolve("spool")).build();
    return Quota.builder().clock(clock).config(new JdbcConfigRepository(database)).ledger(ledger).store(store).build();
  }

  /** Redis loses every key of the test, and ten minutes pass. */
  private void loseRedis() {
    store.deleteAll();
    clock.advance(Duration.ofMinutes(10));
    offsetMs.addAndGet(Duration.ofMinutes(10).toMillis());
  }

  private void record(String cost) {
    assertThat(quota.record(QuotaRequest.builder().team("ov").estimatedCost(cost).build()).admitted()).isTrue();
  }

  private void assertSpentToday(String currency, String amount) {
    LimitStatus daily =
        quota.usage(TEAM).stream().filter(l -> l.kind() == LimitKind.BUDGET_DAILY).findFirst().orElseThrow();
    assertThat(daily.currency()).isEqualTo(currency);
    assertThat(daily.usedAmount()).isEqualByComparingTo(amount);
  }

  @Test
  void eachCurrencysBudgetIsSeededOnlyWithItsOwnSpend() {
    quota = start();
    quota.admin().putPolicy(
        Policy.builder("team:*").budget(Budget.of("USD", Money.of("10.00"), null, null)).build(), "admin@test", "t");
    record("0.50");

    Policy euros = Policy.builder("team:ov").budget(Budget.of("EUR", Money.of("5.00"), null, null)).build();
    String override = quota.admin()
        .createOverride(Selector.parse("team:ov"), euros, clock.instant().plus(Duration.ofHours(1)), "admin@test", "t")
        .result().id();
    assertSpentToday("EUR", "0.00");
    record("2.00");
    assertSpentToday("EUR", "2.00");

    quota.admin().revokeOverride(override, "admin@test", "t");
    assertSpentToday("USD", "0.50");

    loseRedis();

    assertSpentToday("USD", "0.50");
    assertThat(quota.reserve(QuotaRequest.builder().team("ov").estimatedCost("9.50").build()).admitted()).isTrue();
  }
}
