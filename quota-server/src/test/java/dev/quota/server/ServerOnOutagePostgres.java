package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * For each test, a server on a PostgreSQL database of its own (memory counters), which the test
 * takes away and gives back as an outage would. Register it as an instance field with
 * {@code @RegisterExtension}; the server and the database are gone after each test.
 */
public final class ServerOnOutagePostgres implements BeforeEachCallback, AfterEachCallback {
  private final String prefix;
  private OutagePostgres database;
  private TestServer server;

  /** @param prefix the start of the database's name, which ends in a random suffix */
  public ServerOnOutagePostgres(String prefix) {
    this.prefix = prefix;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    database = OutagePostgres.create(prefix);
    server = TestServer.start(null, null, database.urlWithUser());
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    try {
      if (server != null) {
        server.close();
      }
    } finally {
      database.close();
    }
  }

  public TestServer server() {
    return server;
  }

  public Api admin() {
    return server.admin;
  }

  public void takeAway() throws Exception {
    database.takeAway();
  }

  /** Gives the database back and waits until the server has reconnected to it. */
  public void giveBack() throws Exception {
    database.giveBack();
    // The pool reconnects with a backoff of up to seconds; readiness says when it has.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    Api.Response health;
    while ((health = server.anonymous().get("/health")).status() != 200 && System.nanoTime() < deadline) {
      Thread.sleep(20); // between polls of the pool's reconnection; no test waits for time to pass
    }
    assertThat(health.status()).as(health.toString()).isEqualTo(200);
  }
}
