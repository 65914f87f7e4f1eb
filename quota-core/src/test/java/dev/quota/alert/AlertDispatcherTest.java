package dev.quota.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.QuotaListener;
import dev.quota.ValidationException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher keeps alerts the history refuses and stores them once it takes them again; what
 * it cannot keep (a full queue, an invalid alert, a close) it reports as dropped, never silently.
 */
class AlertDispatcherTest {
  private static final Instant T0 = Instant.parse("2026-06-15T10:00:00Z");

  private final OutageHistory history = new OutageHistory();
  private final Map<String, Throwable> dropped = new ConcurrentHashMap<>();
  private final QuotaListener listener = new QuotaListener() {
    @java.lang.Override
    public void onAlertDropped(Alert alert, Throwable error) {
      dropped.put(alert.id(), error);
    }
  };

  @Test
  void aFullQueuePushesOutTheOldestWaitingAlertsAndKeepsTheRestForTheHistory() throws Exception {
    try (AlertDispatcher dispatcher = new AlertDispatcher(history, listener)) {
      List<String> delivered = new CopyOnWriteArrayList<>();
      dispatcher.addHandler(a -> delivered.add(a.id()));
      dispatcher.dispatch(alert(0));
      assertThat(history.refused.await(10, TimeUnit.SECONDS)).isTrue(); // alert 0 is in hand, being retried
      int total = AlertDispatcher.CAPACITY + 4;
      for (int i = 1; i < total; i++) {
        dispatcher.dispatch(alert(i));
      }
      assertThat(dispatcher.pending()).isEqualTo(AlertDispatcher.CAPACITY + 1);
      assertThat(dropped).containsOnlyKeys("a1", "a2", "a3");

      history.recover();
      assertThat(dispatcher.drain(10, TimeUnit.SECONDS)).isTrue();
      List<String> expected = new ArrayList<>(List.of("a0"));
      for (int i = 4; i < total; i++) {
        expected.add("a" + i);
      }
      assertThat(history.stored).containsExactlyElementsOf(expected);
      assertThat(delivered).containsExactlyElementsOf(expected);
      assertThat(dropped).hasSize(3);
    }
  }

  @Test
  void anAlertTheHistoryRejectsAsInvalidIsDroppedAndTheNextOneStored() throws Exception {
    try (AlertDispatcher dispatcher = new AlertDispatcher(history, listener)) {
      history.recover();
      history.invalidId = "a0";
      dispatcher.dispatch(alert(0));
      dispatcher.dispatch(alert(1));
      assertThat(dispatcher.drain(10, TimeUnit.SECONDS)).isTrue();
      assertThat(history.stored).containsExactly("a1");
      assertThat(dropped).containsOnlyKeys("a0");
      assertThat(dropped.get("a0")).isInstanceOf(ValidationException.class);
    }
  }

  @Test
  void closingWhileTheHistoryIsAwayReportsEveryAlertNotStored() throws Exception {
    AlertDispatcher dispatcher = new AlertDispatcher(history, listener);
    dispatcher.dispatch(alert(0));
    assertThat(history.refused.await(10, TimeUnit.SECONDS)).isTrue();
    dispatcher.dispatch(alert(1));
    dispatcher.close();
    assertThat(dispatcher.drain(10, TimeUnit.SECONDS)).isTrue(); // the worker has reported all it held
    dispatcher.dispatch(alert(2));
    assertThat(dropped).containsOnlyKeys("a0", "a1", "a2");
    assertThat(history.stored).isEmpty();
  }

  @Test
  void stoppingWhileTheHistoryIsAwayHandsBackEveryAlertNotStoredInsteadOfDroppingIt() throws Exception {
    AlertDispatcher dispatcher = new AlertDispatcher(history, listener);
    List<String> delivered = new CopyOnWriteArrayList<>();
    dispatcher.addHandler(a -> delivered.add(a.id()));
    dispatcher.dispatch(alert(0));
    assertThat(history.refused.await(10, TimeUnit.SECONDS)).isTrue(); // alert 0 is in hand, being retried
    dispatcher.dispatch(alert(1));
    dispatcher.dispatch(alert(2));

    List<Alert> unstored = dispatcher.stop();

    assertThat(unstored).containsExactly(alert(0), alert(1), alert(2));
    assertThat(dispatcher.pending()).isZero();
    assertThat(dispatcher.drain(10, TimeUnit.SECONDS)).isTrue();
    assertThat(dispatcher.stop()).isEmpty();
    dispatcher.close();
    assertThat(dropped).isEmpty();
    history.recover();
    dispatcher.dispatch(alert(3)); // a stopped dispatcher refuses, and says so
    assertThat(dropped).containsOnlyKeys("a3");
    assertThat(history.stored).isEmpty();
    assertThat(delivered).isEmpty();
  }

  @Test
  void alertsHandedBackAreStoredAndDeliveredOnceByTheNextDispatcher() throws Exception {
    AlertDispatcher first = new AlertDispatcher(history, listener);
    first.dispatch(alert(0));
    assertThat(history.refused.await(10, TimeUnit.SECONDS)).isTrue();
    first.dispatch(alert(1));
    List<Alert> unstored = first.stop();

    history.recover();
    try (AlertDispatcher next = new AlertDispatcher(history, listener)) {
      List<String> delivered = new CopyOnWriteArrayList<>();
      next.addHandler(a -> delivered.add(a.id()));
      unstored.forEach(next::dispatch);
      assertThat(next.drain(10, TimeUnit.SECONDS)).isTrue();
      assertThat(history.stored).containsExactly("a0", "a1");
      assertThat(delivered).containsExactly("a0", "a1");
    }
    assertThat(dropped).isEmpty();
  }

  private static Alert alert(int n) {
    return SampleAlerts.numbered(n, T0);
  }
}
