package dev.quota.jdbc;

import static dev.quota.jdbc.Entries.entry;
import static dev.quota.jdbc.Entries.forUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Money;
import dev.quota.MoneyTotal;
import dev.quota.ValidationException;
import dev.quota.ledger.UsageEntry;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JdbcUsageLedgerTest {
  static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
  static final Instant FAR = Instant.parse("2100-01-01T00:00:00Z");
  @TempDir Path dir;

  JdbcUsageLedger ledger(Backend.TestDb t) {
    return JdbcUsageLedger.builder(t.db).spoolDirectory(dir.resolve("spool")).build();
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void groupCommitUnderConcurrencyStoresEachIdempotencyKeyExactlyOnce(Backend backend) throws Exception {
    int threads = 16;
    int perThread = 250;
    try (var t = backend.open(dir);
        var ledger = ledger(t)) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> futures = new ArrayList<>();
      for (int th = 0; th < threads; th++) {
        // Threads 2k and 2k+1 append the very same keys: every key arrives twice, concurrently.
        int pairId = th / 2;
        int self = th;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    String key = "p" + pairId + "-" + i;
                    ledger.append(
                        new UsageEntry(
                            "e" + self + "-" + i,
                            T0.plusMillis(i),
                            Map.of("user", "u" + pairId, "team", "core"),
                            Money.ofNanos(1_000_000L + i),
                            Map.of("requests", 1L),
                            null,
                            key,
                            Money.ZERO));
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      pool.shutdown();

      int keys = threads / 2 * perThread;
      long perPair = 0;
      for (int i = 0; i < perThread; i++) {
        perPair += 1_000_000L + i;
      }
      assertThat(ledger.spooledEntries()).isZero();
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry")).isEqualTo(keys);
      assertThat(ledger.spent(Map.of("team", "core"), T0, FAR)).isEqualTo(MoneyTotal.ofNanos(perPair * (threads / 2)));
      assertThat(ledger.spent(Map.of("user", "u3"), T0, FAR)).isEqualTo(MoneyTotal.ofNanos(perPair));
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aRepeatedReservationIdOrEntryIdIsANoOp(Backend backend) {
    try (var t = backend.open(dir);
        var ledger = ledger(t)) {
      Map<String, String> s = Map.of("user", "alice");
      UsageEntry commit = new UsageEntry("c1", T0, s, Money.of("0.50"), Map.of(), "res-1", null, Money.of("0.10"));
      ledger.append(commit);
      ledger.append(new UsageEntry("c2", T0, s, Money.of("0.70"), Map.of(), "res-1", null, Money.ZERO));
      ledger.append(new UsageEntry("c1", T0, s, Money.of("0.90"), Map.of(), null, null, Money.ZERO));

      assertThat(ledger.entries(s, T0, FAR)).containsExactly(commit);
      assertThat(ledger.spent(s, T0, FAR)).isEqualTo(MoneyTotal.of("0.50"));
    }
  }

  /**
   * A reservation an earlier version made for {@code user:"alice "} may be committed now, and rows
   * it wrote are read back: the ledger writes and reads a subject or key padded with whitespace as
   * it was stored, apart from the unpadded one, though no request made now can name it.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aRowWithAnIdentifierPaddedBeforeTheRuleIsWrittenAndReadAsStored(Backend backend) {
    try (var t = backend.open(dir);
        var ledger = ledger(t)) {
      Map<String, String> padded = Map.of("user", "alice ", "team", "core");
      UsageEntry commit = new UsageEntry("c1", T0, padded, Money.of("0.50"), Map.of(), "res-1", null, Money.ZERO);
      UsageEntry usage = entry("u1", T0, Map.of("user", "\u3000alice"), "0.25", "key-1 ");
      ledger.append(commit);
      ledger.append(usage);
      ledger.append(entry("u2", T0, Map.of("user", "alice"), "0.10", "key-1"));

      assertThat(ledger.entries(Map.of("user", "alice "), T0, FAR)).containsExactly(commit);
      assertThat(ledger.spent(Map.of("team", "core"), T0, FAR)).isEqualTo(MoneyTotal.of("0.50"));
      assertThat(ledger.withIdempotencyKey("key-1 ")).contains(usage);
      assertThat(ledger.spent(Map.of("user", "alice"), T0, FAR)).isEqualTo(MoneyTotal.of("0.10"));
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void anEntryIsFoundByItsIdempotencyKeyOrItsReservationId(Backend backend) {
    try (var t = backend.open(dir);
        var ledger = ledger(t)) {
      Map<String, String> s = Map.of("user", "alice");
      UsageEntry usage = entry("u1", T0, s, "0.25", "key-1");
      UsageEntry commit = new UsageEntry("c1", T0, s, Money.of("0.50"), Map.of("tokens", 7L), "res-1", null, Money.of("0.10"));
      ledger.append(usage);
      ledger.append(commit);

      assertThat(ledger.withIdempotencyKey("key-1")).contains(usage);
      assertThat(ledger.withReservationId("res-1")).contains(commit);
      assertThat(ledger.withIdempotencyKey("res-1")).isEmpty();
      assertThat(ledger.withReservationId("key-1")).isEmpty();
      assertThat(ledger.withIdempotencyKey("key-2")).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void spentAndEntriesFilterBySubjectsAndHalfOpenTimeRange(Backend backend) {
    try (var t = backend.open(dir);
        var ledger = ledger(t)) {
      // A custom scope with LIKE metacharacters in its id must match literally.
      ledger.append(entry("a", T0, Map.of("user", "alice", "tool", "image_gen", "region", "eu_%1"), "1.000000001", null));
      ledger.append(entry("b", T0.plusSeconds(10), Map.of("user", "alice", "tool", "web_search"), "2", null));
      ledger.append(entry("c", T0.plusSeconds(20), Map.of("user", "bob", "tool", "image_gen", "region", "euX_1"), "4", null));

      assertThat(ledger.spent(Map.of("user", "alice"), T0, FAR)).isEqualTo(MoneyTotal.of("3.000000001"));
      assertThat(ledger.spent(Map.of("user", "alice", "tool", "image_gen"), T0, FAR)).isEqualTo(MoneyTotal.of("1.000000001"));
      assertThat(ledger.spent(Map.of("region", "eu_%1"), T0, FAR)).isEqualTo(MoneyTotal.of("1.000000001"));
      assertThat(ledger.spent(Map.of("user", "alice"), T0.plusSeconds(10), T0.plusSeconds(20))).isEqualTo(MoneyTotal.of("2"));
      assertThat(ledger.spent(Map.of("user", "alice"), T0.plusSeconds(11), FAR)).isEqualTo(MoneyTotal.ZERO);
      assertThat(ledger.spent(Map.of("user", "nobody"), T0, FAR)).isEqualTo(MoneyTotal.ZERO);

      List<UsageEntry> alice = ledger.entries(Map.of("user", "alice"), T0, FAR);
      assertThat(alice).extracting(UsageEntry::id).containsExactly("a", "b");
      assertThat(alice.get(0)).isEqualTo(entry("a", T0, Map.of("user", "alice", "tool", "image_gen", "region", "eu_%1"), "1.000000001", null));
    }
  }

  /**
   * A budget counts a commit from when its reservation was made (a store charges a commit to the
   * counters its reservation held), so the spend over a range does too; entries are still listed
   * by when they were written, with the reservation's time as stored.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void spentCountsACommitFromWhenItsReservationWasMade(Backend backend) {
    Map<String, String> alice = Map.of("user", "alice");
    Instant reset = T0.plusSeconds(60);
    try (var t = backend.open(dir);
        var ledger = ledger(t)) {
      ledger.append(commit("open-across", reset.plusSeconds(30), reset.minusSeconds(30).plusNanos(1500), "4"));
      ledger.append(commit("after", reset.plusSeconds(40), reset.plusSeconds(10), "2"));
      ledger.append(entry("recorded", reset.plusSeconds(50), alice, "1", null));

      assertThat(ledger.spent(alice, reset, FAR)).isEqualTo(MoneyTotal.of("3"));
      assertThat(ledger.spent(alice, T0, reset)).isEqualTo(MoneyTotal.of("4"));
      List<UsageEntry> written = ledger.entries(alice, reset, FAR);
      assertThat(written).extracting(UsageEntry::id).containsExactly("open-across", "after", "recorded");
      assertThat(written).extracting(UsageEntry::reservedAt)
          .containsExactly(reset.minusSeconds(30).plusNanos(1000), reset.plusSeconds(10), null);
    }
  }

  private static UsageEntry commit(String id, Instant at, Instant reservedAt, String amount) {
    return new UsageEntry(
        id, at, Map.of("user", "alice"), Money.of(amount), Map.of(), "r-" + id, null, Money.ZERO, reservedAt);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void invalidEntriesAreRejectedBeforeAnythingIsWritten(Backend backend) {
    try (var t = backend.open(dir);
        var ledger = ledger(t)) {
      assertThatThrownBy(() -> ledger.append(new UsageEntry("n", T0, Map.of("user", "a"), Money.ofNanos(-1), Map.of(), null, null, null)))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("amount"));
      assertThatThrownBy(() -> ledger.append(new UsageEntry("n", T0, Map.of(), Money.ZERO, Map.of(), null, null, null)))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("subjects"));
      assertThatThrownBy(() -> ledger.append(new UsageEntry("n", T0, Map.of("user", "a"), Money.ZERO, Map.of(), null, "k".repeat(129), null)))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("idempotencyKey"));
      assertThatThrownBy(() -> ledger.append(new UsageEntry("n", T0, Map.of("User", "a"), Money.ZERO, Map.of(), null, null, null)))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("subjects"));
      // Times no SQL timestamp holds: refused up front, not by a writer shared with other callers.
      for (Instant at : List.of(Instant.MAX, Instant.MIN, Instant.parse("+10000-01-01T00:00:00Z"), Instant.parse("0000-12-31T23:59:59.999999999Z"))) {
        assertThatThrownBy(() -> ledger.append(new UsageEntry("n", at, Map.of("user", "a"), Money.ZERO, Map.of(), null, null, null)))
            .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("at"));
      }
      // A reservation is made before its commit, and in a year the table holds.
      assertThatThrownBy(() -> ledger.append(commit("n", T0, T0.plusNanos(1000), "1")))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("reservedAt"));
      assertThatThrownBy(() -> ledger.append(commit("n", T0, Instant.parse("0000-12-31T23:59:59Z"), "1")))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("reservedAt"));
      ledger.append(new UsageEntry("first", Instant.parse("0001-01-01T00:00:00Z"), Map.of("user", "a"), Money.ZERO, Map.of(), null, null, null));
      ledger.append(new UsageEntry("last", Instant.parse("9999-12-31T23:59:59.999999Z"), Map.of("user", "a"), Money.ZERO, Map.of(), null, null, null));
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry WHERE id IN ('first', 'last')")).isEqualTo(2);
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry")).isEqualTo(2);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aRowTheDatabaseRefusesFailsAloneAndLeavesNothingHalfWritten(Backend backend) throws Exception {
    try (var t = backend.open(dir);
        var ledger = ledger(t)) {
      // A rule only the database knows, so the refusal happens inside a shared group commit.
      t.execute("ALTER TABLE usage_entry ADD CONSTRAINT no_banned_tool CHECK (tool_id IS NULL OR tool_id <> 'banned')");
      int n = 200;
      ExecutorService pool = Executors.newFixedThreadPool(8);
      AtomicInteger refused = new AtomicInteger();
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String tool = i % 10 == 0 ? "banned" : "ok";
        String id = "r" + i;
        futures.add(
            pool.submit(
                () -> {
                  try {
                    ledger.append(entry(id, T0, Map.of("user", "u", "tool", tool), "1", null));
                  } catch (DatabaseException e) {
                    assertThat(e.isConstraintViolation()).isTrue();
                    assertThat(e.getMessage()).contains("usage entry " + id + " rejected", "no_banned_tool");
                    refused.incrementAndGet();
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      pool.shutdown();

      assertThat(refused).hasValue(n / 10);
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry")).isEqualTo(n - n / 10);
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry WHERE tool_id = 'banned'")).isZero();
      assertThat(ledger.spent(Map.of("user", "u"), T0, FAR)).isEqualTo(MoneyTotal.of(String.valueOf(n - n / 10)));
      assertThat(ledger.spooledEntries()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void closeWaitsForQueuedEntriesAndRefusesLaterOnes(Backend backend) {
    try (var t = backend.open(dir)) {
      var ledger = ledger(t);
      ledger.append(forUser("x1", T0, "alice", "1"));
      ledger.close();
      assertThatThrownBy(() -> ledger.append(forUser("x2", T0, "alice", "1"))).isInstanceOf(IllegalStateException.class);
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry")).isEqualTo(1);
    }
  }
}
