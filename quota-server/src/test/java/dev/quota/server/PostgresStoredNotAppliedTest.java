package dev.quota.server;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** Changes stored while the reload fails, on PostgreSQL: the trigger is PL/pgSQL in the test's schema. */
class PostgresStoredNotAppliedTest extends StoredNotAppliedTest {
  final PostgresSchema schema = new PostgresSchema();

  @Override
  TestServer newServer() {
    return TestServer.start(null, null, schema.url());
  }

  @Override
  Connection session() throws SQLException {
    return DriverManager.getConnection(schema.url());
  }

  @Override
  Fault refuseWrites(String table) throws SQLException {
    execute("CREATE OR REPLACE FUNCTION refuse_write() RETURNS trigger LANGUAGE plpgsql AS"
        + " $$ BEGIN RAISE EXCEPTION 'writes to % are refused', TG_TABLE_NAME; END $$");
    execute("CREATE TRIGGER refuse_write BEFORE INSERT OR UPDATE OR DELETE ON " + table
        + " FOR EACH ROW EXECUTE FUNCTION refuse_write()");
    return () -> execute("DROP TRIGGER IF EXISTS refuse_write ON " + table);
  }

  @Override
  void cleanUp() {
    super.cleanUp();
    schema.drop();
  }
}
