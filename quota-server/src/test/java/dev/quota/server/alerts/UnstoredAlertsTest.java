package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.alert.Alert;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file of alerts a stop could not store: read back at the next start, removed once they are
 * all stored, and a line nobody can read set aside rather than read at every start.
 */
class UnstoredAlertsTest {
  private static final Instant T0 = Instant.parse("2026-06-15T10:00:00Z");

  @TempDir Path dataDir;

  @Test
  void keptAlertsAreResumedInOrderAndTheFileGoesOnceAllAreStored() throws Exception {
    new UnstoredAlerts(dataDir).keep(List.of(alert(1), alert(2)));

    UnstoredAlerts next = new UnstoredAlerts(dataDir);
    assertThat(next.resume()).containsExactly(alert(1), alert(2));
    next.onAlert(alert(1));
    assertThat(next.file()).exists();
    next.onAlert(alert(3)); // fired by this server: not one of the file's
    assertThat(next.file()).exists();
    next.onAlert(alert(2));
    assertThat(next.file()).doesNotExist();
  }

  @Test
  void aStopReplacesTheFileWithWhatIsStillNotStored() throws Exception {
    new UnstoredAlerts(dataDir).keep(List.of(alert(1), alert(2)));
    UnstoredAlerts next = new UnstoredAlerts(dataDir);
    next.resume();
    next.keep(List.of(alert(2), alert(3)));
    next.onAlert(alert(2)); // stored as the engine stopped: the file written at the stop stays
    assertThat(new UnstoredAlerts(dataDir).resume()).containsExactly(alert(2), alert(3));
    next.keep(List.of());
    assertThat(next.file()).doesNotExist();
  }

  @Test
  void anUnreadableLineIsSetAsideOnceAndTheOthersResumed() throws Exception {
    new UnstoredAlerts(dataDir).keep(List.of(alert(1)));
    Files.writeString(dataDir.resolve("alerts.unstored"), "{\"id\":\"broken\"}\n",
        java.nio.file.StandardOpenOption.APPEND);

    assertThat(new UnstoredAlerts(dataDir).resume()).containsExactly(alert(1));
    assertThat(new UnstoredAlerts(dataDir).resume()).containsExactly(alert(1));
    assertThat(Files.readAllLines(dataDir.resolve("alerts.rejected"))).containsExactly("{\"id\":\"broken\"}");
  }

  @Test
  void aFileOfOnlyUnreadableLinesIsSetAsideAndRemoved() throws Exception {
    Files.writeString(dataDir.resolve("alerts.unstored"), "not json\n");
    UnstoredAlerts kept = new UnstoredAlerts(dataDir);
    assertThat(kept.resume()).isEmpty();
    assertThat(kept.file()).doesNotExist();
    assertThat(Files.readAllLines(dataDir.resolve("alerts.rejected"))).containsExactly("not json");
  }

  private static Alert alert(int n) {
    return new Alert("a" + n, T0.plusSeconds(n), "user:*", "user:u" + n, "daily", T0, new BigDecimal("0.8"),
        new BigDecimal("8.00"), new BigDecimal("10.00"), "USD");
  }
}
