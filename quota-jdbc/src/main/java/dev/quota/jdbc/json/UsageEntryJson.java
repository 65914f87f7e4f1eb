package dev.quota.jdbc.json;

import dev.quota.jdbc.internal.LedgerRows;
import dev.quota.ledger.UsageEntry;

/** A ledger row as one line of JSON: the form the ledger's spool keeps, for files that hold rows too. */
public final class UsageEntryJson {
  private UsageEntryJson() {}

  public static String write(UsageEntry e) {
    return LedgerRows.toSpoolLine(e);
  }

  /** @throws RuntimeException if {@code line} is not a row as {@link #write} makes one */
  public static UsageEntry read(String line) {
    UsageEntry e = LedgerRows.fromSpoolLine(line);
    LedgerRows.validate(e);
    return e;
  }
}
