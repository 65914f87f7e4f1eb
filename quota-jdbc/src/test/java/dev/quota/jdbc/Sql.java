package dev.quota.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** Plain statements on a connection a test holds itself, such as one that keeps a lock. */
final class Sql {
  private Sql() {}

  static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
