package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.MemoryConfigRepository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A replace or delete made only if the policy it meets is the one expected: the test runs on the
 * policy the repository replaces, in the step that writes, and a refusal stores and audits nothing.
 */
class ConditionalPolicyWritesTest {
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final Quota quota = Quota.builder().clock(Fixtures.clock()).config(config).build();
  private final QuotaAdmin admin = quota.admin();
  private final ExecutorService pool = Executors.newFixedThreadPool(8);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  private static Policy perHour(String selector, long limit) {
    return Policy.builder(selector).rateLimit(limit, Duration.ofHours(1)).build();
  }

  @Test
  void aReplaceTheTestAcceptsIsStoredAuditedAndEnforced() {
    admin.putPolicy(perHour("user:*", 5), ADMIN, "first");

    Policy replaced = admin.replacePolicy(perHour("user:*", 1), perHour("user:*", 5)::equals, ADMIN, "lowered").result();

    assertThat(replaced).isEqualTo(perHour("user:*", 5));
    assertThat(admin.policies()).containsExactly(perHour("user:*", 1));
    AuditEntry e = admin.audit(AuditQuery.latest(1)).get(0);
    assertThat(e.action()).isEqualTo("policy.update");
    assertThat(e.reason()).isEqualTo("lowered");
    assertThat(e.before()).isNotNull().isNotEqualTo(e.after());
    assertThat(quota.reserve(Fixtures.user("u")).admitted()).isTrue();
    assertThat(quota.reserve(Fixtures.user("u")).admitted()).isFalse();
  }

  @Test
  void aReplaceTheTestRefusesStoresAndAuditsNothingAndNamesWhatItFound() {
    admin.putPolicy(perHour("user:*", 5), ADMIN, "theirs");
    List<AuditEntry> trail = admin.audit(AuditQuery.latest(10));

    assertThatThrownBy(() -> admin.replacePolicy(perHour("user:*", 100), perHour("user:*", 7)::equals, ADMIN, "mine"))
        .isInstanceOfSatisfying(PolicyMismatchException.class, e -> {
          assertThat(e.selector()).isEqualTo(Selector.parse("user:*"));
          assertThat(e.current()).contains(perHour("user:*", 5));
        });

    assertThat(admin.policies()).containsExactly(perHour("user:*", 5));
    assertThat(admin.audit(AuditQuery.latest(10))).isEqualTo(trail);
  }

  /** A conditional replace never creates: a selector without a policy fails the test whatever it is. */
  @Test
  void aReplaceOfASelectorWithoutAPolicyCreatesNothing() {
    assertThatThrownBy(() -> admin.replacePolicy(perHour("team:new", 1), p -> true, ADMIN, "mine"))
        .isInstanceOfSatisfying(PolicyMismatchException.class, e -> assertThat(e.current()).isEmpty())
        .hasMessage("no policy for team:new exists");

    assertThat(admin.policies()).isEmpty();
    assertThat(admin.audit(AuditQuery.latest(10))).isEmpty();
  }

  @Test
  void aConditionalDeleteDeletesOnlyThePolicyItExpects() {
    admin.putPolicy(perHour("user:*", 5), ADMIN, "first");
    List<AuditEntry> trail = admin.audit(AuditQuery.latest(10));

    assertThatThrownBy(() -> admin.deletePolicy(Selector.parse("user:*"), perHour("user:*", 7)::equals, ADMIN, "stale"))
        .isInstanceOfSatisfying(PolicyMismatchException.class, e -> assertThat(e.current()).contains(perHour("user:*", 5)));
    assertThat(admin.policies()).containsExactly(perHour("user:*", 5));
    assertThat(admin.audit(AuditQuery.latest(10))).isEqualTo(trail);

    assertThat(admin.deletePolicy(Selector.parse("user:*"), perHour("user:*", 5)::equals, ADMIN, "gone").result())
        .isEqualTo(perHour("user:*", 5));
    assertThat(admin.policies()).isEmpty();
    assertThat(admin.audit(AuditQuery.latest(1)).get(0).action()).isEqualTo("policy.delete");

    assertThatThrownBy(() -> admin.deletePolicy(Selector.parse("user:*"), p -> true, ADMIN, "again"))
        .isInstanceOfSatisfying(PolicyMismatchException.class, e -> assertThat(e.current()).isEmpty());
    assertThat(admin.audit(AuditQuery.latest(10))).hasSize(2);
  }

  /** Admins who all loaded the same version and save at once: exactly one replaces it. */
  @Test
  void ofConcurrentReplacesExpectingOneVersionExactlyOneSucceeds() throws Exception {
    int writers = 8;
    for (int round = 0; round < 20; round++) {
      String selector = "user:r" + round;
      Policy loaded = perHour(selector, 1000);
      admin.putPolicy(loaded, ADMIN, "loaded");
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Optional<Long>>> saves = new ArrayList<>();
      for (int i = 1; i <= writers; i++) {
        Policy mine = perHour(selector, i);
        saves.add(pool.submit(() -> {
          start.await();
          try {
            admin.replacePolicy(mine, loaded::equals, ADMIN, "writer " + mine.rateLimits().get(0).limit());
            return Optional.of(mine.rateLimits().get(0).limit());
          } catch (PolicyMismatchException refused) {
            return Optional.empty();
          }
        }));
      }
      start.countDown();
      List<Long> winners = new ArrayList<>();
      for (Future<Optional<Long>> f : saves) {
        f.get(10, TimeUnit.SECONDS).ifPresent(winners::add);
      }

      assertThat(winners).as("round " + round).hasSize(1);
      assertThat(admin.policy(Selector.parse(selector))).contains(perHour(selector, winners.get(0)));
      assertThat(admin.audit(new AuditQuery(null, "policy.update", selector, null, null, 0, 100)))
          .singleElement().satisfies(e -> assertThat(e.reason()).isEqualTo("writer " + winners.get(0)));
    }
  }
}
