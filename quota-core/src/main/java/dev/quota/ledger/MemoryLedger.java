package dev.quota.ledger;

import dev.quota.Money;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A ledger in the heap: for embedding without a database, and for tests. Not durable. */
public final class MemoryLedger implements UsageLedger {
  private final List<UsageEntry> entries = new ArrayList<>();
  private final Set<String> keys = new HashSet<>();

  @java.lang.Override
  public synchronized void append(UsageEntry entry) {
    String key = dedupKey(entry);
    if (key != null && !keys.add(key)) {
      return;
    }
    entries.add(entry);
  }

  static String dedupKey(UsageEntry e) {
    if (e.idempotencyKey() != null) {
      return "k:" + e.idempotencyKey();
    }
    return e.reservationId() == null ? null : "r:" + e.reservationId();
  }

  @java.lang.Override
  public synchronized Money spent(Map<String, String> subjects, Instant from, Instant to) {
    Money total = Money.ZERO;
    for (UsageEntry e : entries(subjects, from, to)) {
      total = total.plus(e.amount());
    }
    return total;
  }

  @java.lang.Override
  public synchronized List<UsageEntry> entries(Map<String, String> subjects, Instant from, Instant to) {
    List<UsageEntry> out = new ArrayList<>();
    for (UsageEntry e : entries) {
      if (!e.at().isBefore(from) && e.at().isBefore(to) && e.subjects().entrySet().containsAll(subjects.entrySet())) {
        out.add(e);
      }
    }
    return out;
  }

  public synchronized int size() {
    return entries.size();
  }
}
