package dev.quota.jdbc;

import dev.quota.Money;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

/**
 * The process {@link CrashRecoveryTest} kills: records $1 of usage for user:alice again and again
 * and prints {@code ACK n} after the n-th record returned (and so was durable).
 *
 * <p>Arguments: the database ({@code h2:<dir>} or {@code pg:<schema>}), the spool directory and the
 * instant the fixed clock shows.
 */
public final class RecoveryChild {
  private RecoveryChild() {}

  public static void main(String[] args) {
    Database db = CrashRecoveryTest.open(args[0]);
    Clock clock = Clock.fixed(Instant.parse(args[2]), ZoneOffset.UTC);
    JdbcUsageLedger ledger = JdbcUsageLedger.builder(db).spoolDirectory(Path.of(args[1])).build();
    Quota quota = Quota.builder().clock(clock).config(new JdbcConfigRepository(db)).ledger(ledger).build();
    for (int i = 1; ; i++) {
      quota.record(new QuotaRequest(Map.of("user", "alice"), Money.of("1"), null, "usage-" + i, null));
      System.out.println("ACK " + i);
      System.out.flush();
    }
  }
}
