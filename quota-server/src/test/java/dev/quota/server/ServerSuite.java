package dev.quota.server;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Tests that share one server, on the embedded defaults unless a subclass chooses other backends
 * through {@link #newServer} (and removes what they keep through {@link #cleanUp}). The instance
 * lives for the whole class, so a subclass's fields (a schema, a key prefix) are set before the
 * server that uses them starts. A subclass on backends that servers can share may run more of
 * them ({@link #peers}), so that only those backends keep writes through different servers apart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ServerSuite {
  TestServer server;
  Api admin;
  private final List<TestServer> peers = new ArrayList<>();

  /** The server under test; subclasses choose other backends. */
  TestServer newServer() {
    return TestServer.embedded();
  }

  /** How many servers, each from {@link #newServer}, run beside {@link #server}: none here. */
  int peers() {
    return 0;
  }

  /**
   * The servers a test writes through and reads from, {@link #server}'s first: with no peers, only
   * its repository decides between racing writes.
   */
  List<Api> servers() {
    List<Api> all = new ArrayList<>(List.of(admin));
    peers.forEach(p -> all.add(p.admin));
    return List.copyOf(all);
  }

  @BeforeAll
  void start() {
    server = newServer();
    admin = server.admin;
    for (int i = 0; i < peers(); i++) {
      peers.add(newServer());
    }
  }

  @AfterAll
  void stop() {
    peers.forEach(TestServer::close);
    server.close();
    cleanUp();
  }

  /** Removes what the backends left behind (schemas, key prefixes). */
  void cleanUp() {}
}
