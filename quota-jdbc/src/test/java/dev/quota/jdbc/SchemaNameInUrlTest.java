package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * A schema named in a PostgreSQL URL is used as written or refused. A name with a character a
 * schema name here may not hold was cut at that character, so the tables went into a schema of
 * the shorter name while every query looked in the one the URL named and failed.
 */
class SchemaNameInUrlTest {
  @Test
  void aSchemaNameThatCannotBeUsedAsWrittenIsRefusedBeforeAnythingIsCreated() throws SQLException {
    String prefix = Backend.newSchemaName();
    String url = Backend.pgUrl(Backend.PG_URL, prefix + "-b");

    assertThatThrownBy(() -> Database.open(url, Backend.PG_USER, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("currentSchema")
        .hasMessageContaining("letters, digits and underscores")
        .hasMessageContaining(prefix + "-b");
    assertThat(schemaExists(prefix)).isFalse();
  }

  @Test
  void aSchemaNameWithCapitalsIsRefusedBeforeAnythingIsCreated() throws SQLException {
    // Created as written by the migration, but looked up folded to lowercase by the connection.
    String mixed = Backend.newSchemaName() + "_B";
    String url = Backend.pgUrl(Backend.PG_URL, mixed);
    try {
      assertThatThrownBy(() -> Database.open(url, Backend.PG_USER, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("lowercase letters, digits and underscores")
          .hasMessageContaining(mixed);
      assertThat(schemaExists(mixed)).isFalse();
    } finally {
      Backend.dropSchema("\"" + mixed + "\"");
    }
  }

  @Test
  void theFirstOfSeveralSchemasIsTheOneTheTablesGoIn() {
    String schema = Backend.newSchemaName();
    try (Database db = Database.open(Backend.PG_URL + "?currentSchema=" + schema + ",public", Backend.PG_USER, null)) {
      assertThat(schemaExists(schema)).isTrue();
    } catch (SQLException e) {
      throw new AssertionError(e);
    } finally {
      Backend.dropSchema(schema);
    }
  }

  @Test
  void urlsWithoutASchemaOrWithAPlainOneAreReadAsBefore() {
    assertThat(Database.schemaOf("jdbc:postgresql://127.0.0.1:5432/test")).isNull();
    assertThat(Database.schemaOf("jdbc:postgresql://127.0.0.1:5432/test?user=x&currentSchema=team_a&ssl=false"))
        .isEqualTo("team_a");
    assertThatThrownBy(() -> Database.schemaOf("jdbc:postgresql://h/test?currentSchema=&user=x"))
        .hasMessageContaining("got ''");
  }

  private static boolean schemaExists(String name) throws SQLException {
    try (Connection c = DriverManager.getConnection(Backend.PG_URL, Backend.PG_USER, null);
        PreparedStatement s = c.prepareStatement("SELECT 1 FROM information_schema.schemata WHERE schema_name = ?")) {
      s.setString(1, name);
      try (ResultSet r = s.executeQuery()) {
        return r.next();
      }
    }
  }
}
