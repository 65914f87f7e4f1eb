package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * /metrics shows the database failing while nobody calls a route that needs it: the server reads
 * its policies from it every few seconds, and {@code quota_database_up} says whether the last read
 * got an answer. Without it a scrape showed nothing of an outage until usage was spooled.
 */
class DatabaseHealthMetricTest {
  @RegisterExtension
  final ServerOnOutagePostgres outage = new ServerOnOutagePostgres("qs_dbup_");

  @Test
  void theGaugeFallsWhileTheDatabaseIsAwayAndRisesWhenItIsBack() throws Exception {
    Api admin = outage.admin();
    assertThat(admin.get("/metrics").body()).contains("\nquota_database_up 1.0\n");

    outage.takeAway();
    Polling.awaitUntil(Duration.ofSeconds(30), () -> admin.get("/metrics").body().contains("\nquota_database_up 0.0\n"));

    outage.giveBack();
    Polling.awaitUntil(Duration.ofSeconds(30), () -> admin.get("/metrics").body().contains("\nquota_database_up 1.0\n"));
  }
}
