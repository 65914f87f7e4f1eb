package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.MemoryConfigRepository;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Creating a policy never replaces one bound to the selector meanwhile: check and write are one step. */
class CreatePolicyTest {
  private final MutableClock clock = Fixtures.clock();
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final Quota quota = Quota.builder().clock(clock).config(config).build();
  private final QuotaAdmin admin = quota.admin();

  private static Policy perHour(String selector, long limit) {
    return Policy.builder(selector).rateLimit(limit, Duration.ofHours(1)).build();
  }

  @Test
  void aFreeSelectorIsCreatedAuditedAndEnforced() {
    admin.createPolicy(perHour("user:*", 1), ADMIN, "first limits");

    assertThat(admin.policies()).containsExactly(perHour("user:*", 1));
    AuditEntry e = admin.audit(AuditQuery.latest(10)).get(0);
    assertThat(e.action()).isEqualTo("policy.create");
    assertThat(e.target()).isEqualTo("user:*");
    assertThat(e.before()).isNull();
    assertThat(e.after()).isNotNull();
    assertThat(e.reason()).isEqualTo("first limits");
    assertThat(quota.reserve(Fixtures.user("u")).admitted()).isTrue();
    assertThat(quota.reserve(Fixtures.user("u")).admitted()).isFalse();
  }

  @Test
  void aTakenSelectorIsRefusedAndNeitherThePolicyNorTheTrailChanges() {
    admin.putPolicy(perHour("user:*", 1), ADMIN, "theirs");
    List<AuditEntry> trail = admin.audit(AuditQuery.latest(10));

    assertThatThrownBy(() -> admin.createPolicy(perHour("user:*", 100), ADMIN, "mine"))
        .isInstanceOfSatisfying(ConflictException.class, e -> {
          assertThat(e.field()).isEqualTo("selector");
          assertThat(e.rule()).isEqualTo("a policy for user:* already exists");
        });

    assertThat(admin.policies()).containsExactly(perHour("user:*", 1));
    assertThat(admin.audit(AuditQuery.latest(10))).isEqualTo(trail);
    assertThat(quota.reserve(Fixtures.user("u")).admitted()).isTrue();
    assertThat(quota.reserve(Fixtures.user("u")).admitted()).isFalse();
  }

  @Test
  void ofConcurrentCreatesOfOneSelectorExactlyOneWins() throws Exception {
    int creators = 8;
    for (int round = 0; round < 20; round++) {
      String selector = String.format("user:u%02d", round);
      ExecutorService pool = Executors.newFixedThreadPool(creators);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Long>> results = new ArrayList<>();
      for (int i = 1; i <= creators; i++) {
        long limit = i;
        results.add(pool.submit(() -> {
          start.await();
          try {
            admin.createPolicy(perHour(selector, limit), ADMIN, "creator " + limit);
            return limit;
          } catch (ConflictException refused) {
            return 0L;
          }
        }));
      }
      start.countDown();
      List<Long> winners = new ArrayList<>();
      for (Future<Long> f : results) {
        long won = f.get(10, TimeUnit.SECONDS);
        if (won != 0) {
          winners.add(won);
        }
      }
      pool.shutdown();

      assertThat(winners).as("round " + round).hasSize(1);
      assertThat(admin.policy(Selector.parse(selector))).contains(perHour(selector, winners.get(0)));
      assertThat(admin.audit(new AuditQuery(null, "policy.create", selector, null, null, 0, 100)))
          .singleElement().satisfies(e -> assertThat(e.reason()).isEqualTo("creator " + winners.get(0)));
    }
  }
}
