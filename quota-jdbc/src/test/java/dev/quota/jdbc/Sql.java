package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Plain statements on a connection a test holds itself, such as one that keeps a lock, and the
 * wait for another session to reach a state.
 */
final class Sql {
  private Sql() {}

  static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** The first column of the first row {@code sql} answers, as text. */
  static String text(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** As {@link #text}, as a number. */
  static long number(Connection c, String sql) throws SQLException {
    return Long.parseLong(text(c, sql));
  }

  /** Polls another session's or thread's progress until {@code done}, for at most {@code guardSeconds}. */
  static void awaitUntil(BooleanSupplier done, long guardSeconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(guardSeconds);
    while (!done.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(10); // between polls of another session's work; no test waits for time to pass
    }
    assertThat(done.getAsBoolean()).isTrue();
  }
}
