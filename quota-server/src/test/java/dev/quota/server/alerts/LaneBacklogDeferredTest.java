package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.server.alerts.LaneBacklog.Admission;
import org.junit.jupiter.api.Test;

/**
 * {@link LaneBacklog#deferred}, behind {@code quota_alert_deliveries_deferred}: each delivery left in
 * the database counts until it is read back, and a read-back that saw every one waiting counts them
 * afresh: those it had no room for and those left while it read.
 */
class LaneBacklogDeferredTest {
  @Test
  void aDeliveryLeftInTheDatabaseCountsUntilItIsReadBack() {
    LaneBacklog backlog = new LaneBacklog(2);
    assertThat(backlog.admit("a1")).isEqualTo(Admission.ADMITTED);
    assertThat(backlog.admit("a2")).isEqualTo(Admission.ADMITTED);
    for (String id : new String[] {"a3", "a4", "a5"}) {
      assertThat(backlog.admit(id)).isEqualTo(Admission.LEFT);
    }
    assertThat(backlog.deferred()).isEqualTo(3);

    assertThat(backlog.letGo("a1")).isTrue();
    backlog.startReading();
    assertThat(backlog.admit("a6")).isEqualTo(Admission.LEFT); // fired while the read ran, not seen by it
    assertThat(backlog.deferred()).isEqualTo(4);
    // The read finds a2 (held), a3 (room for it), a4 and a5 (no room left): all there were.
    assertThat(backlog.admitReadBack("a2")).isFalse();
    assertThat(backlog.admitReadBack("a3")).isTrue();
    assertThat(backlog.deferred()).isEqualTo(3);
    assertThat(backlog.admitReadBack("a4")).isFalse();
    assertThat(backlog.admitReadBack("a5")).isFalse();
    backlog.endReading(false);
    assertThat(backlog.deferred()).isEqualTo(3); // a4, a5 and a6
  }

  @Test
  void aReadBackThatSawEveryDeliveryWaitingCorrectsACountThatDrifted() {
    LaneBacklog backlog = new LaneBacklog(2);
    backlog.admit("a1");
    backlog.admit("a2");
    backlog.admit("a3");
    backlog.admit("a4");
    assertThat(backlog.deferred()).isEqualTo(2);
    backlog.letGo("a1");

    // Whatever became of a3 and a4, the database holds none this lane has to send: none waits.
    backlog.startReading();
    backlog.endReading(false);
    assertThat(backlog.deferred()).isZero();

    // A read that may have left some behind keeps the count as it went.
    assertThat(backlog.admit("a5")).isEqualTo(Admission.ADMITTED);
    assertThat(backlog.admit("a6")).isEqualTo(Admission.LEFT);
    assertThat(backlog.admit("a7")).isEqualTo(Admission.LEFT);
    backlog.letGo("a2");
    backlog.startReading();
    assertThat(backlog.admitReadBack("a6")).isTrue();
    backlog.endReading(true);
    assertThat(backlog.deferred()).isEqualTo(1);
  }
}
