package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.ConflictException;
import dev.quota.NotFoundException;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaAdmin;
import dev.quota.Selector;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.jdbc.json.PolicyJson;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Puts, creates and deletes of one selector racing each other, as admins on several servers
 * sharing one database do. Each must end in one of its documented outcomes (a put stores; a create
 * or a delete stores, or is refused because the selector is taken or empty), never in a database
 * error, and the versions and the audit trail must tell one story: each audit entry's before is
 * what the previous one left, up to the policy in force.
 */
class PolicyWriteRaceTest {
  static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
  static final Selector SELECTOR = Selector.parse("user:*");
  static final int WRITERS = 6;
  static final int WRITES_EACH = 20;

  @TempDir Path dir;

  static Policy limit(long perMinute) {
    return Policy.builder(SELECTOR).rateLimit(perMinute, Duration.ofMinutes(1)).build();
  }

  /** At the repository, the audit row carries the action and the body written, so it can be matched to its version. */
  static AuditEntry audit(String action, Policy after, String reason) {
    return new AuditEntry(0, T0, "alice", action, SELECTOR.toString(), null, after == null ? null : PolicyJson.write(after), reason);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void putsCreatesAndDeletesOfOneSelectorNeverFailAndKeepOneHistory(Backend backend) throws Exception {
    try (var t = backend.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> stored = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        stored.add(pool.submit(() -> {
          start.await();
          int changes = 0;
          for (int i = 0; i < WRITES_EACH; i++) {
            Policy p = limit(writer * 1000L + i + 1);
            String reason = "w" + writer + "." + i;
            switch ((writer + i) % 3) {
              case 0 -> {
                repo.putPolicy(p, replaced -> audit("policy.put", p, reason));
                changes++;
              }
              case 1 -> changes += repo.createPolicy(p, audit("policy.create", p, reason)) ? 1 : 0;
              default -> changes += repo.deletePolicy(SELECTOR, deleted -> audit("policy.delete", null, reason)).isPresent() ? 1 : 0;
            }
          }
          return changes;
        }));
      }
      start.countDown();
      int changes = 0;
      for (Future<Integer> f : stored) {
        changes += f.get(120, TimeUnit.SECONDS); // a writer's database error fails the test here
      }
      pool.shutdown();

      List<PolicyVersion> versions = new ArrayList<>(repo.versions(SELECTOR));
      versions.sort(Comparator.comparingLong(PolicyVersion::version));
      List<AuditEntry> trail = new ArrayList<>(repo.audit(new AuditQuery(null, null, SELECTOR.toString(), null, null, 0, 10_000)));
      trail.sort(Comparator.comparingLong(AuditEntry::id));
      assertThat(versions).hasSize(changes);
      assertThat(trail).hasSize(changes);

      Policy current = null;
      for (int i = 0; i < changes; i++) {
        PolicyVersion v = versions.get(i);
        AuditEntry a = trail.get(i);
        String at = "version " + v.version() + ", audit " + a.reason();
        assertThat(v.version()).as(at).isEqualTo(i + 1L);
        assertThat(a.after()).as(at).isEqualTo(v.deleted() ? null : PolicyJson.write(v.policy()));
        switch (a.action()) {
          case "policy.create" -> assertThat(current).as(at + ": a create replaced a policy").isNull();
          case "policy.delete" -> assertThat(current).as(at + ": a delete removed nothing").isNotNull();
          default -> { }
        }
        current = v.policy();
      }
      if (current == null) {
        assertThat(repo.policy(SELECTOR)).isEmpty();
      } else {
        assertThat(repo.policy(SELECTOR)).contains(current);
      }
    }
  }

  /** Through the engine's admin, which builds each audit entry from what its write replaced. */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void theAuditTrailOfRacingAdminsChainsUpToThePolicyInForce(Backend backend) throws Exception {
    try (var t = backend.open(dir);
        Quota quota = Quota.builder().clock(Clock.fixed(T0, java.time.ZoneOffset.UTC))
            .config(new JdbcConfigRepository(t.db)).policyFormat(PolicyJson::write).build()) {
      QuotaAdmin admin = quota.admin();
      ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> stored = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        stored.add(pool.submit(() -> {
          start.await();
          int changes = 0;
          for (int i = 0; i < WRITES_EACH; i++) {
            Policy p = limit(writer * 1000L + i + 1);
            try {
              switch ((writer + i) % 3) {
                case 0 -> admin.putPolicy(p, "alice", "put");
                case 1 -> admin.createPolicy(p, "alice", "create");
                default -> admin.deletePolicy(SELECTOR, "alice", "delete");
              }
              changes++;
            } catch (ConflictException | NotFoundException refused) {
              // the selector was taken (create) or empty (delete): documented, and nothing is stored
            }
          }
          return changes;
        }));
      }
      start.countDown();
      int changes = 0;
      for (Future<Integer> f : stored) {
        changes += f.get(120, TimeUnit.SECONDS);
      }
      pool.shutdown();

      List<AuditEntry> trail = new ArrayList<>(admin.audit(new AuditQuery(null, null, SELECTOR.toString(), null, null, 0, 10_000)));
      trail.sort(Comparator.comparingLong(AuditEntry::id));
      assertThat(trail).hasSize(changes);
      String state = null;
      for (AuditEntry e : trail) {
        String at = "entry " + e.id() + " (" + e.action() + ")";
        assertThat(e.before()).as(at + ": its before is the previous after").isEqualTo(state);
        assertThat(e.before() == null).as(at + ": only a create replaced nothing").isEqualTo(e.action().equals("policy.create"));
        assertThat(e.after() == null).as(at + ": only a delete leaves nothing").isEqualTo(e.action().equals("policy.delete"));
        state = e.after();
      }
      assertThat(state).as("the last after is the policy in force")
          .isEqualTo(admin.policy(SELECTOR).map(PolicyJson::write).orElse(null));
    }
  }
}
