package dev.quota.ledger;

import dev.quota.MoneyTotal;
import dev.quota.ValidationException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A ledger in the heap: for embedding without a database, and for tests. Not durable, and bounded:
 * it keeps the newest {@code capacity} entries and forgets older ones (with their idempotency keys
 * and reservation ids), so that a long-running process does not grow without end; what it answers
 * covers the entries it keeps.
 *
 * <p>Forgetting costs no exactness that matters: these entries die with the process anyway, so
 * nothing can rely on them to re-seed counters a store lost; that takes a durable ledger (the
 * JDBC one). A repeat of a forgotten entry's key is appended again, which only a retry arriving
 * after {@code capacity} newer entries could do; the engine answers such retries from its own
 * settled outcomes before they reach a ledger.
 */
public final class MemoryLedger implements UsageLedger {
  /** Entries kept by {@link #MemoryLedger()}: an entry takes a few hundred bytes. */
  public static final int DEFAULT_CAPACITY = 100_000;
  /** What {@link #entryKeys} holds for an entry without a dedup key: compared by identity. */
  private static final String NO_KEY = new String();

  private final int capacity;
  private final ArrayDeque<UsageEntry> entries = new ArrayDeque<>();
  /**
   * Each kept entry's dedup key, in step with {@link #entries}, {@link #NO_KEY} for none: forgetting
   * the oldest entry reads its key from here rather than from the entry itself, which was written
   * a capacity's worth of appends ago and lies wherever the heap put it: a cache miss that was a
   * seventh of a prepared decision's time at 10,000 users.
   */
  private final ArrayDeque<String> entryKeys = new ArrayDeque<>();
  /** The kept entries by their dedup key. */
  private final Map<String, UsageEntry> keys = new HashMap<>();
  private long forgotten;

  public MemoryLedger() {
    this(DEFAULT_CAPACITY);
  }

  public MemoryLedger(int capacity) {
    ValidationException.require(capacity >= 1, "capacity", "must be at least 1");
    this.capacity = capacity;
  }

  @java.lang.Override
  public synchronized void append(UsageEntry entry) {
    String key = dedupKey(entry);
    if (key != null && keys.putIfAbsent(key, entry) != null) {
      return;
    }
    entries.addLast(entry);
    entryKeys.addLast(key == null ? NO_KEY : key);
    if (entries.size() > capacity) {
      entries.removeFirst();
      String oldest = entryKeys.removeFirst();
      if (oldest != NO_KEY) {
        keys.remove(oldest);
      }
      forgotten++;
    }
  }

  static String dedupKey(UsageEntry e) {
    if (e.idempotencyKey() != null) {
      return "k:" + e.idempotencyKey();
    }
    return e.reservationId() == null ? null : "r:" + e.reservationId();
  }

  @java.lang.Override
  public synchronized MoneyTotal spent(Map<String, String> subjects, Instant from, Instant to) {
    return sum(subjects, null, from, to);
  }

  @java.lang.Override
  public synchronized MoneyTotal spent(Map<String, String> subjects, String currency, Instant from, Instant to) {
    return sum(subjects, Objects.requireNonNull(currency, "currency"), from, to);
  }

  /** The amounts charged in {@code [from, to)} to {@code subjects}; in {@code currency} or none unless it is null. */
  private MoneyTotal sum(Map<String, String> subjects, String currency, Instant from, Instant to) {
    MoneyTotal total = MoneyTotal.ZERO;
    for (UsageEntry e : entries) {
      if (within(e.chargedAt(), from, to) && attributedTo(e, subjects) && (currency == null || countsIn(e, currency))) {
        total = total.plus(e.amount());
      }
    }
    return total;
  }

  /** Whether a budget in {@code currency} counted {@code e}: it is in that currency, or in none. */
  private static boolean countsIn(UsageEntry e, String currency) {
    return e.currency() == null || e.currency().equals(currency);
  }

  @java.lang.Override
  public synchronized List<UsageEntry> entries(Map<String, String> subjects, Instant from, Instant to) {
    List<UsageEntry> out = new ArrayList<>();
    for (UsageEntry e : entries) {
      if (within(e.at(), from, to) && attributedTo(e, subjects)) {
        out.add(e);
      }
    }
    return out;
  }

  private static boolean within(Instant t, Instant from, Instant to) {
    return !t.isBefore(from) && t.isBefore(to);
  }

  private static boolean attributedTo(UsageEntry e, Map<String, String> subjects) {
    return e.subjects().entrySet().containsAll(subjects.entrySet());
  }

  @java.lang.Override
  public synchronized Optional<UsageEntry> withIdempotencyKey(String idempotencyKey) {
    return Optional.ofNullable(keys.get("k:" + idempotencyKey));
  }

  @java.lang.Override
  public synchronized Optional<UsageEntry> withReservationId(String reservationId) {
    // The engine never gives a commit an idempotency key, so a commit is filed under its reservation id.
    return Optional.ofNullable(keys.get("r:" + reservationId));
  }

  /** Entries kept now: at most the capacity. */
  public synchronized int size() {
    return entries.size();
  }

  /** Entries forgotten so far to stay within the capacity. */
  public synchronized long forgotten() {
    return forgotten;
  }
}
