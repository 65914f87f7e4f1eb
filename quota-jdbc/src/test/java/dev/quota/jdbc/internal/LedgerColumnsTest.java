package dev.quota.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.quota.Money;
import dev.quota.jdbc.Backend;
import dev.quota.jdbc.JdbcUsageLedger;
import dev.quota.ledger.UsageEntry;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one-statement batch insert on PostgreSQL stores exactly what the row-by-row insert does. */
class LedgerColumnsTest {
  static final Instant T0 = Instant.parse("2025-03-10T23:59:59.999999999Z");
  static final Instant FAR = Instant.parse("2100-01-01T00:00:00Z");
  @TempDir Path dir;

  @Test
  void aBatchRoundTripsEveryFieldIncludingArrayLiteralMetacharactersAndRepeatsWithinTheBatch() throws Exception {
    // Identifiers with quotes, backslashes, braces, commas, spaces and the word NULL must stay
    // literal inside the array text; a time with nanoseconds is kept to the microsecond.
    UsageEntry tricky = new UsageEntry(
        "id-\"q\"\\{x},y", T0, Map.of("user", "a\"b\\c{d},e f", "team", "NULL", "region", "名前 ü"),
        Money.ofNanos(9_007_199_254_740_991L), Map.of("tokens", 800L, "requests", 1L, "z_last", 0L),
        "res-1", "key-1", Money.ofNanos(1));
    UsageEntry plain = new UsageEntry(
        "id-2", T0.minusSeconds(1), Map.of("project", "p1", "tool", "web_search", "provider", "openai"),
        Money.ZERO, Map.of(), null, null, Money.ZERO);
    UsageEntry sameKeyAsTricky = new UsageEntry(
        "id-3", T0, Map.of("project", "p1"), Money.of("5"), Map.of(), null, "key-1", Money.ZERO);
    UsageEntry sameReservation = new UsageEntry(
        "id-4", T0, Map.of("project", "p1"), Money.of("6"), Map.of(), "res-1", null, Money.ZERO);

    try (var t = Backend.POSTGRES.open(dir);
        var ledger = JdbcUsageLedger.builder(t.db).spoolDirectory(dir.resolve("spool")).build()) {
      try (Connection c = t.db.connection()) {
        c.setAutoCommit(false);
        assertThat(LedgerColumns.insert(c, rows(tricky, plain, sameKeyAsTricky, sameReservation))).isEqualTo(2);
        c.commit();
      }

      UsageEntry stored = new UsageEntry(
          tricky.id(), Jdbc.micros(T0), tricky.subjects(), tricky.amount(), tricky.meters(),
          tricky.reservationId(), tricky.idempotencyKey(), tricky.overrun());
      assertThat(ledger.entries(Map.of("user", "a\"b\\c{d},e f"), T0.minusSeconds(5), FAR)).containsExactly(stored);
      assertThat(ledger.entries(Map.of("region", "名前 ü"), T0.minusSeconds(5), FAR)).containsExactly(stored);
      assertThat(ledger.entries(Map.of("project", "p1"), T0.minusSeconds(5), FAR)).containsExactly(
          new UsageEntry(plain.id(), Jdbc.micros(plain.at()), plain.subjects(), plain.amount(), plain.meters(), null, null, Money.ZERO));
      // The subject without a column of its own is kept beside its entry, once.
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry_subject")).isEqualTo(1);
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry_subject WHERE entry_id = 'id-\"q\"\\{x},y'"
          + " AND scope = 'region' AND subject_id = '名前 ü' AND usage_day = DATE '2025-03-10'")).isEqualTo(1);
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry WHERE team_id = 'NULL' AND project_id IS NULL"
          + " AND usage_day = DATE '2025-03-10' AND meters = '{\"requests\":1,\"tokens\":800,\"z_last\":0}'")).isEqualTo(1);
    }
  }

  /** A reservation's time travels as its distance before the row's own: exact to the microsecond, null as null. */
  @Test
  void aReservationTimeRoundTripsToTheMicrosecondAndARowWithoutOneKeepsNone() throws Exception {
    Map<String, String> s = Map.of("user", "u1");
    UsageEntry acrossMidnight = new UsageEntry(
        "e1", T0.plusNanos(2), s, Money.of("1"), Map.of(), "res-1", null, Money.ZERO, T0.minusSeconds(86_400).plusNanos(1));
    UsageEntry recorded = new UsageEntry("e2", T0, s, Money.of("2"), Map.of(), null, "key-2", Money.ZERO);
    UsageEntry sameMoment = new UsageEntry("e3", T0.minusSeconds(5), s, Money.of("3"), Map.of(), "res-3", null, Money.ZERO,
        T0.minusSeconds(5));
    try (var t = Backend.POSTGRES.open(dir);
        var ledger = JdbcUsageLedger.builder(t.db).spoolDirectory(dir.resolve("spool")).build()) {
      try (Connection c = t.db.connection()) {
        assertThat(LedgerColumns.insertCommitted(c, rows(acrossMidnight, recorded, sameMoment))).isEqualTo(3);
      }

      // e1 was committed just past midnight, a day after it was reserved just past the midnight before.
      assertThat(ledger.entries(s, T0.minusSeconds(60), FAR)).extracting(UsageEntry::id, UsageEntry::reservedAt)
          .containsExactly(
              tuple("e3", Jdbc.micros(T0.minusSeconds(5))),
              tuple("e2", null),
              tuple("e1", Instant.parse("2025-03-10T00:00:00Z")));
    }
  }

  @Test
  void insertCommittedSkipsKeysTakenBeforeOrEarlierInTheBatchAndHasCommittedWhenItReturns() throws Exception {
    Map<String, String> s = Map.of("user", "u1");
    UsageEntry first = new UsageEntry("e1", T0, s, Money.of("1"), Map.of(), "res-1", "key-1", Money.ZERO);
    UsageEntry sameId = new UsageEntry("e1", T0, s, Money.of("2"), Map.of(), null, null, Money.ZERO);
    UsageEntry sameReservation = new UsageEntry("e2", T0, s, Money.of("3"), Map.of(), "res-1", null, Money.ZERO);
    UsageEntry sameKey = new UsageEntry("e3", T0, s, Money.of("4"), Map.of(), null, "key-1", Money.ZERO);
    UsageEntry fresh = new UsageEntry("e4", T0, s, Money.of("5"), Map.of(), "res-4", "key-4", Money.ZERO);
    UsageEntry freshAgain = new UsageEntry("e5", T0, s, Money.of("6"), Map.of(), null, "key-4", Money.ZERO);

    try (var t = Backend.POSTGRES.open(dir)) {
      try (Connection c = t.db.connection()) {
        assertThat(LedgerColumns.insertCommitted(c, rows(first))).isEqualTo(1);
        // Every key of the first row taken again, and a repeat within the batch: only e4 is new.
        assertThat(LedgerColumns.insertCommitted(c, rows(sameId, sameReservation, sameKey, fresh, freshAgain)))
            .isEqualTo(1);
        // Still open, yet another connection already sees both rows: each call committed.
        assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry")).isEqualTo(2);
        assertThat(t.queryLong("SELECT SUM(amount) * 1000000000 FROM usage_entry")).isEqualTo(6_000_000_000L);
      }
    }
  }

  @Test
  void timesRoundTripToTheMicrosecondOnEitherSideOfTheEpochAndOfMidnight() throws Exception {
    List<Instant> times = List.of(
        Instant.parse("1969-12-31T23:59:59.999999999Z"), Instant.parse("1970-01-01T00:00:00Z"),
        Instant.parse("1900-02-28T00:00:00.000001Z"), Instant.parse("2024-02-29T23:59:59.999999Z"),
        Instant.parse("2025-03-11T00:00:00.000000999Z"), Instant.parse("9999-12-31T23:59:59.999999Z"));
    try (var t = Backend.POSTGRES.open(dir);
        var ledger = JdbcUsageLedger.builder(t.db).spoolDirectory(dir.resolve("spool")).build()) {
      List<UsageEntry> entries = new java.util.ArrayList<>();
      for (int i = 0; i < times.size(); i++) {
        // Every other row a commit whose reservation time is its own: both travel the same way.
        entries.add(new UsageEntry(
            "t" + i, times.get(i), Map.of("user", "u" + i), Money.ofNanos(9_007_199_254_740_991L - i), Map.of(),
            null, null, Money.ofNanos(i), i % 2 == 0 ? times.get(i) : null));
      }
      try (Connection c = t.db.connection()) {
        assertThat(LedgerColumns.insertCommitted(c, rows(entries.toArray(UsageEntry[]::new)))).isEqualTo(times.size());
      }
      for (int i = 0; i < times.size(); i++) {
        UsageEntry e = entries.get(i);
        assertThat(ledger.entries(Map.of("user", "u" + i), Instant.parse("1000-01-01T00:00:00Z"), Instant.parse("+10000-01-01T00:00:00Z")))
            .containsExactly(new UsageEntry(e.id(), Jdbc.micros(e.at()), e.subjects(), e.amount(), e.meters(), null, null,
                e.overrun(), e.reservedAt() == null ? null : Jdbc.micros(e.reservedAt())));
        assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry WHERE id = 't" + i + "' AND usage_day = DATE '"
            + Jdbc.micros(e.at()).atOffset(java.time.ZoneOffset.UTC).toLocalDate() + "'")).isEqualTo(1);
      }
    }
  }

  private static List<LedgerRow> rows(UsageEntry... entries) {
    return java.util.Arrays.stream(entries).map(LedgerRow::of).toList();
  }
}
