package dev.quota.server;

import java.time.Clock;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link TestServer} for all the tests of a class, started before the first and closed after
 * the last: {@code @RegisterExtension static final SharedServer server = SharedServer.embedded();}.
 * It starts before the class's own {@code @BeforeAll} methods, which may put policies or issue keys
 * on it, and closes after its {@code @AfterAll} methods.
 */
public final class SharedServer implements BeforeAllCallback, AfterAllCallback {
  private final Supplier<TestServer> start;
  private TestServer server;

  private SharedServer(Supplier<TestServer> start) {
    this.start = start;
  }

  /** On the embedded defaults, as {@link TestServer#embedded()}. */
  public static SharedServer embedded() {
    return new SharedServer(TestServer::embedded);
  }

  /** On the embedded defaults with the server's time taken from {@code clock}. */
  public static SharedServer embedded(Clock clock) {
    return new SharedServer(() -> TestServer.embedded(clock));
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    server = start.get();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    server.close();
  }

  private TestServer running() {
    if (server == null) {
      throw new IllegalStateException("the shared server is used before its class's tests started");
    }
    return server;
  }

  public QuotaServer server() {
    return running().server();
  }

  public Api admin() {
    return running().admin;
  }

  public Api anonymous() {
    return running().anonymous();
  }

  /** Issues a key through the API and returns a client using it. */
  public Api key(String name, String role, String... subjects) {
    return running().key(name, role, subjects);
  }
}
