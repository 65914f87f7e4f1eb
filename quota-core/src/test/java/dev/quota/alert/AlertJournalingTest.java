package dev.quota.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.QuotaListener;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher tells its journal of every alert before the alert can be stored, and lets it
 * forget one only once it no longer holds it; what {@link AlertDispatcher#stop} hands back stays
 * journaled, so that a server keeps it for the next start. The journal therefore holds no more
 * than the dispatcher does: at most {@link AlertDispatcher#CAPACITY} waiting and one in hand.
 */
class AlertJournalingTest {
  private static final Instant T0 = Instant.parse("2026-06-15T10:00:00Z");

  private final RecordingJournal journal = new RecordingJournal();
  /** Alerts handed to the history before the journal was told of them. */
  private final List<String> unjournaledAtAppend = new CopyOnWriteArrayList<>();
  private final OutageHistory history = new OutageHistory(alert -> {
    if (!journal.holds(alert.id())) {
      unjournaledAtAppend.add(alert.id());
    }
  });
  private final Set<String> dropped = ConcurrentHashMap.newKeySet();
  private final QuotaListener listener = new QuotaListener() {
    @java.lang.Override
    public void onAlertDropped(Alert alert, Throwable error) {
      dropped.add(alert.id());
    }
  };

  @Test
  void anAlertIsJournaledBeforeItCanBeStoredAndForgottenOnceStored() throws Exception {
    history.recover();
    try (AlertDispatcher dispatcher = new AlertDispatcher(history, listener, journal)) {
      List<String> delivered = new CopyOnWriteArrayList<>();
      dispatcher.addHandler(a -> delivered.add(a.id()));
      for (int i = 0; i < 3; i++) {
        dispatcher.dispatch(alert(i));
      }
      assertThat(dispatcher.drain(10, TimeUnit.SECONDS)).isTrue();
      assertThat(history.stored).containsExactly("a0", "a1", "a2");
      assertThat(unjournaledAtAppend).isEmpty();
      assertThat(delivered).containsExactly("a0", "a1", "a2");
      assertThat(journal.held()).isEmpty();
      for (int i = 0; i < 3; i++) {
        assertThat(journal.events).containsSubsequence("fired a" + i, "done a" + i);
      }
    }
  }

  @Test
  void alertsPushedOutOfAFullQueueAreForgottenSoTheJournalHoldsNoMoreThanTheDispatcher() throws Exception {
    AlertDispatcher dispatcher = new AlertDispatcher(history, listener, journal);
    dispatcher.dispatch(alert(0));
    assertThat(history.refused.await(10, TimeUnit.SECONDS)).isTrue(); // a0 is in hand, being retried
    int total = AlertDispatcher.CAPACITY + 3;
    for (int i = 1; i < total; i++) {
      dispatcher.dispatch(alert(i));
    }
    assertThat(dropped).containsExactlyInAnyOrder("a1", "a2");
    assertThat(journal.held()).hasSize(AlertDispatcher.CAPACITY + 1).doesNotContain("a1", "a2").contains("a0");

    List<Alert> unstored = dispatcher.stop();
    // Handed back, not done: the caller keeps them, and the journal with them.
    assertThat(unstored).hasSize(AlertDispatcher.CAPACITY + 1);
    assertThat(journal.held()).containsExactlyElementsOf(unstored.stream().map(Alert::id).toList());

    dispatcher.dispatch(alert(total)); // refused by the stopped dispatcher, and reported
    assertThat(dropped).contains("a" + total);
    assertThat(journal.held()).hasSize(AlertDispatcher.CAPACITY + 1).doesNotContain("a" + total);
  }

  @Test
  void anInvalidAlertAndAlertsDroppedAtCloseAreForgotten() throws Exception {
    history.invalidId = "a0";
    AlertDispatcher dispatcher = new AlertDispatcher(history, listener, journal);
    dispatcher.dispatch(alert(0));
    dispatcher.dispatch(alert(1));
    assertThat(history.refused.await(10, TimeUnit.SECONDS)).isTrue(); // a0 rejected, a1 in hand
    assertThat(journal.held()).containsExactly("a1");
    dispatcher.dispatch(alert(2));
    dispatcher.close();
    assertThat(dropped).containsExactlyInAnyOrder("a0", "a1", "a2");
    assertThat(journal.held()).isEmpty();
  }

  private static Alert alert(int n) {
    return SampleAlerts.numbered(n, T0);
  }

  /** Records what the dispatcher tells it, in order. */
  private static final class RecordingJournal implements AlertJournal {
    final List<String> events = new CopyOnWriteArrayList<>();
    private final Set<String> held = new LinkedHashSet<>();

    @java.lang.Override
    public synchronized void fired(Alert alert) {
      events.add("fired " + alert.id());
      held.add(alert.id());
    }

    @java.lang.Override
    public synchronized void done(Alert alert) {
      events.add("done " + alert.id());
      held.remove(alert.id());
    }

    synchronized List<String> held() {
      return new ArrayList<>(held);
    }

    synchronized boolean holds(String id) {
      return held.contains(id);
    }
  }
}
