package dev.quota.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Tests that share one server, on the embedded defaults unless a subclass chooses other backends
 * through {@link #newServer} (and removes what they keep through {@link #cleanUp}). The instance
 * lives for the whole class, so a subclass's fields (a schema, a key prefix) are set before the
 * server that uses them starts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ServerSuite {
  TestServer server;
  Api admin;

  /** The server under test; subclasses choose other backends. */
  TestServer newServer() {
    return TestServer.embedded();
  }

  @BeforeAll
  void start() {
    server = newServer();
    admin = server.admin;
  }

  @AfterAll
  void stop() {
    server.close();
    cleanUp();
  }

  /** Removes what the backends left behind (schemas, key prefixes). */
  void cleanUp() {}
}
