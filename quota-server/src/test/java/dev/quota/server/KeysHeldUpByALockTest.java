package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.jdbc.Database;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Regression: a key lookup held up behind a lock on {@code api_key} (or past the statement bound)
 * answered 503 {@code database-busy}, so every service call failed for as long as the lock lasted,
 * where in an outage a key the database vouched for before stays valid. It now does here too; a key
 * not seen before is refused with 503, as in an outage. The decision route used needs no table. The
 * key ring's cache runs on a test ticker; the bounds are shortened, and the guard only catches a
 * request that waits on.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KeysHeldUpByALockTest {
  private static final Duration SHORT = Duration.ofMillis(500);
  private static final Duration LONG = Duration.ofSeconds(30);
  /** Well under the test client's 20 s and the guard, well over the short bound. */
  private static final Duration ANSWERED_WITHIN = Duration.ofSeconds(10);
  /** Past the key ring's cache period (5 s), so a key is looked up again. */
  private static final long PAST_THE_CACHE = Duration.ofMinutes(1).toNanos();
  private static final String CHECK = "{\"subjects\":{\"user\":\"ann\"}}";

  private final PostgresSchema schema = new PostgresSchema();
  private final AtomicLong ticks = new AtomicLong();

  @AfterEach
  void drop() {
    schema.drop();
  }

  static Stream<Arguments> bounds() {
    return Stream.of(
        Arguments.of("lock bound", new Database.Bounds(SHORT, LONG),
            "the database is busy: a conflicting change is in progress; the request changed nothing; retry shortly"),
        Arguments.of("statement bound", new Database.Bounds(LONG, SHORT),
            "the database is busy and did not finish the request in time; the request changed nothing; retry shortly"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bounds")
  void aKeyUsedBeforeALockOnTheKeysKeepsWorkingAndAnUnseenOneIsRefused503(String bound, Database.Bounds bounds, String busy)
      throws Exception {
    try (TestServer server = TestServer.withBounds(schema.url(), UnaryOperator.identity(), bounds, ticks::get);
        Connection holder = DriverManager.getConnection(schema.url())) {
      Api known = server.key("svc", "service");
      Api unseen = server.key("other", "service");
      assertThat(known.post("/v1/check", CHECK).status()).isEqualTo(200);
      ticks.addAndGet(PAST_THE_CACHE);

      lockTheKeys(holder);
      long started = System.nanoTime();
      Api.Response kept = known.post("/v1/check", CHECK);
      assertThat(kept.status()).as(kept.toString()).isEqualTo(200);
      Api.Response refused = unseen.post("/v1/check", CHECK);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(ANSWERED_WITHIN);
      assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
      assertThat(refused.header("Retry-After")).isEqualTo("1");
      assertThat(refused.json().get("type").asText()).isEqualTo("urn:quota:problem:database-busy");
      assertThat(refused.json().get("detail").asText()).isEqualTo(busy);
      Api.Response never = server.admin.as("qk_never_issued_0123456789abcdef").post("/v1/check", CHECK);
      assertThat(never.status()).as(never.toString()).isEqualTo(503);

      holder.rollback();
      assertThat(unseen.post("/v1/check", CHECK).status()).isEqualTo(200);
      assertThat(server.admin.as("qk_never_issued_0123456789abcdef").post("/v1/check", CHECK).status()).isEqualTo(401);
    }
  }

  private static void lockTheKeys(Connection holder) throws Exception {
    holder.setAutoCommit(false);
    try (Statement s = holder.createStatement()) {
      s.execute("LOCK TABLE api_key IN ACCESS EXCLUSIVE MODE");
    }
  }
}
