package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A database a later version of Quota has migrated (its schema history holds a migration this
 * version does not have) is refused at open, naming the versions, rather than used: this version
 * would write rows the later schema may read otherwise (a column it added, a key it changed).
 */
class NewerSchemaRefusedTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aDatabaseMigratedByALaterVersionIsRefusedNamingTheVersions(Backend backend) throws SQLException {
    try (EarlierSchema earlier = new EarlierSchema(backend, dir.resolve("data"))) {
      earlier.open().close(); // every migration this version has
      try (Connection c = earlier.connect();
          Statement s = c.createStatement()) {
        // What a later version's migration leaves in the schema history.
        s.execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,"
            + " installed_by, execution_time, success) SELECT MAX(installed_rank) + 1, '99', 'from a later version',"
            + " 'SQL', 'V99__from_a_later_version.sql', 0, 'quota', 1, TRUE FROM flyway_schema_history");
      }

      assertThatThrownBy(earlier::open)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("99")
          .hasMessageContaining("newer version of Quota");
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aDatabaseOfThisVersionOpensAgain(Backend backend) {
    try (EarlierSchema earlier = new EarlierSchema(backend, dir.resolve("data"))) {
      earlier.open().close();
      try (Database db = earlier.open()) {
        assertThat(db.engine()).isNotNull();
      }
    }
  }
}
