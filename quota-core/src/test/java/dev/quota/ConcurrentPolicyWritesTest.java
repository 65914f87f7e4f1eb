package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.MemoryConfigRepository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Admins writing one selector at once: the audit trail records what each write actually replaced,
 * so its entries chain (each one's before is the previous one's after) up to the policy in force.
 */
class ConcurrentPolicyWritesTest {
  private final Quota quota = Quota.builder().clock(Fixtures.clock()).config(new MemoryConfigRepository()).build();
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
  void ofConcurrentPutsOfAFreeSelectorOnlyTheFirstIsAuditedAsACreate() throws Exception {
    int writers = 8;
    for (int round = 0; round < 50; round++) {
      String selector = "user:r" + round;
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> puts = new ArrayList<>();
      for (int i = 1; i <= writers; i++) {
        Policy p = perHour(selector, i);
        puts.add(pool.submit(() -> {
          start.await();
          admin.putPolicy(p, ADMIN, "put " + p.rateLimits().get(0).limit());
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : puts) {
        f.get(10, TimeUnit.SECONDS);
      }

      List<AuditEntry> trail = trail(selector);
      assertThat(trail).hasSize(writers);
      assertThat(trail).filteredOn(e -> e.action().equals("policy.create")).as("round " + round)
          .containsExactly(trail.get(0));
      assertChained(trail, admin.policy(Selector.parse(selector)).orElse(null));
    }
  }

  @Test
  void putsCreatesAndDeletesOfOneSelectorLeaveAChainedTrail() throws Exception {
    String selector = "team:core";
    int writers = 6;
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> changes = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int writer = w;
      changes.add(pool.submit(() -> {
        start.await();
        int stored = 0;
        for (int i = 0; i < 200; i++) {
          Policy p = perHour(selector, writer * 1000L + i + 1);
          try {
            switch ((writer + i) % 3) {
              case 0 -> admin.putPolicy(p, ADMIN, "put");
              case 1 -> admin.createPolicy(p, ADMIN, "create");
              default -> admin.deletePolicy(p.selector(), ADMIN, "delete");
            }
            stored++;
          } catch (ConflictException | NotFoundException refused) {
            // the selector was taken (create) or empty (delete): documented, and nothing is stored
          }
        }
        return stored;
      }));
    }
    start.countDown();
    int stored = 0;
    for (Future<Integer> f : changes) {
      stored += f.get(30, TimeUnit.SECONDS);
    }

    List<AuditEntry> trail = trail(selector);
    assertThat(trail).hasSize(stored);
    assertChained(trail, admin.policy(Selector.parse(selector)).orElse(null));
  }

  /** The selector's audit entries, oldest first. */
  private List<AuditEntry> trail(String selector) {
    List<AuditEntry> trail = new ArrayList<>(admin.audit(new AuditQuery(null, null, selector, null, null, 0, 100_000)));
    trail.sort(Comparator.comparingLong(AuditEntry::id));
    return trail;
  }

  /**
   * Each entry's before is the previous entry's after (none for the first), a create replaced
   * nothing, an update and a delete replaced something, and the last after is {@code current}.
   */
  static void assertChained(List<AuditEntry> trail, Policy current) {
    String state = null;
    for (AuditEntry e : trail) {
      String at = "entry " + e.id() + " (" + e.action() + ")";
      assertThat(e.before()).as(at + ": its before is the previous after").isEqualTo(state);
      switch (e.action()) {
        case "policy.create" -> assertThat(e.before()).as(at).isNull();
        case "policy.update" -> assertThat(e.before()).as(at).isNotNull();
        case "policy.delete" -> assertThat(e.before()).as(at).isNotNull();
        default -> throw new AssertionError(at + ": unexpected action");
      }
      assertThat(e.after() == null).as(at + ": only a delete leaves nothing").isEqualTo(e.action().equals("policy.delete"));
      state = e.after();
    }
    assertThat(state).as("the last after is the policy in force").isEqualTo(current == null ? null : current.toString());
  }
}
