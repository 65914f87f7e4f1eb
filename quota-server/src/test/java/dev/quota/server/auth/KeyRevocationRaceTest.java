package dev.quota.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.jdbc.ApiKeyRepository;
import dev.quota.jdbc.Database;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A revocation takes effect on its own server at once: a key whose database lookup was under way
 * as it was revoked may answer that one request, but its answer is not kept for the requests after.
 */
class KeyRevocationRaceTest {
  @TempDir Path dir;
  private final AtomicLong ticks = new AtomicLong();
  /** Run at the next read of the cache's clock, which comes before and after each database lookup. */
  private final AtomicReference<Runnable> atNextTick = new AtomicReference<>();
  private Database db;
  private JdbcKeyRing keys;

  @BeforeEach
  void open() {
    db = Database.embedded(dir);
    keys = new JdbcKeyRing(new ApiKeyRepository(db), Clock.systemUTC(), () -> {
      Runnable r = atNextTick.getAndSet(null);
      if (r != null) {
        r.run();
      }
      return ticks.get();
    });
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void aKeyRevokedWhileItsLookupIsUnderWayIsRefusedAtTheNextRequest() {
    String key = keys.issue("svc", Role.SERVICE, Set.of(), "admin", null);
    // Before the lookup: nothing yet. After it (the database has just vouched for the key): revoke.
    atNextTick.set(() -> atNextTick.set(() -> assertThat(keys.revoke("svc", "admin", "leaked")).isTrue()));

    assertThat(keys.authenticate(key)).map(Principal::name).contains("svc");
    assertThat(atNextTick.get()).as("the revocation ran during the lookup").isNull();

    assertThat(keys.authenticate(key)).isEmpty();
  }
}
