package dev.quota.jdbc.internal;

import dev.quota.ledger.UsageEntry;
import java.time.Instant;
import java.util.Map;

/**
 * An entry's {@code usage_entry} column values, encoded once by the caller that appends it, so a
 * ledger writer, which every caller waits for, only copies them into a batch's column arrays.
 *
 * <p>Time and money travel as integers: the UTC day, the microsecond of that day and nano-units,
 * which the driver sends in binary and the server turns into exact values without parsing text.
 * A commit's reservation time travels the same way, boxed: a row without one sends nulls.
 */
public final class LedgerRow {
  private static final long SECONDS_PER_DAY = 86_400;

  final UsageEntry entry;
  final int epochDay;
  final long microOfDay;
  final String[] scopeIds = new String[LedgerRows.COLUMN_SCOPES.size()];
  final String subjects;
  /**
   * The subjects of scopes without a column of their own ({@code org:acme}), in scope order, kept
   * beside the row in {@code usage_entry_subject} ({@link EntrySubjects}); empty arrays for none.
   */
  final String[] otherScopes;
  final String[] otherIds;
  final long amountNanos;
  final String meters;
  final long overrunNanos;
  /** The UTC day and the microsecond of that day when the reservation was made; null without one. */
  final Integer reservedEpochDay;
  final Long reservedMicroOfDay;
  /** The currency of the amount; null for none. */
  final String currency;

  private LedgerRow(UsageEntry e) {
    this.entry = e;
    this.epochDay = epochDay(e.at());
    this.microOfDay = microOfDay(e.at());
    Map<String, String> s = e.subjects();
    for (int i = 0; i < scopeIds.length; i++) {
      scopeIds[i] = s.get(LedgerRows.COLUMN_SCOPES.get(i));
    }
    this.subjects = LedgerRows.subjectsText(s);
    Map<String, String> others = LedgerRows.otherSubjects(s);
    this.otherScopes = others.keySet().toArray(new String[0]);
    this.otherIds = others.values().toArray(new String[0]);
    this.amountNanos = e.amount().nanos();
    this.meters = LedgerRows.metersJson(e.meters());
    this.overrunNanos = e.overrun().nanos();
    Instant reservedAt = e.reservedAt();
    this.reservedEpochDay = reservedAt == null ? null : epochDay(reservedAt);
    this.reservedMicroOfDay = reservedAt == null ? null : microOfDay(reservedAt);
    this.currency = e.currency();
  }

  private static int epochDay(Instant t) {
    return (int) Math.floorDiv(t.getEpochSecond(), SECONDS_PER_DAY);
  }

  private static long microOfDay(Instant t) {
    return Math.floorMod(t.getEpochSecond(), SECONDS_PER_DAY) * 1_000_000L + t.getNano() / 1000;
  }

  /** Encodes a valid {@code e} ({@link LedgerRows#validate}). */
  public static LedgerRow of(UsageEntry e) {
    return new LedgerRow(e);
  }

  public UsageEntry entry() {
    return entry;
  }

  /** {@link LedgerRows#subjectsText} of the subjects. */
  public String subjectsText() {
    return subjects;
  }

  /** Whether the entry names a subject of a scope without a column of its own. */
  public boolean hasOtherSubjects() {
    return otherScopes.length > 0;
  }

  /** {@link LedgerRows#metersJson} of the meters. */
  public String metersJson() {
    return meters;
  }
}
