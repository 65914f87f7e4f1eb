package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.admin.UnrecordingConfig;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * An engine whose first read of the configuration fails is never built, so no one can close it:
 * it must leave no thread behind, or a caller that retries until the database answers leaks one
 * per attempt.
 */
class FailedBuildTest {
  @Test
  void aBuildThatCannotReadTheConfigurationLeavesNoAlertWorkerRunning() throws InterruptedException {
    UnrecordingConfig config = new UnrecordingConfig();
    try (Quota first = Quota.builder().config(config).build()) {
      first.admin().putPolicy(Policy.builder("user:*").budget(Budget.of("USD", Money.of("1"), null, null)).build(), ADMIN, "t");
    }
    config.refuseRecording(true);
    Set<Thread> before = alertWorkers();

    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> Quota.builder().config(config).build())
          .isInstanceOf(IllegalStateException.class).hasMessage("the budget counters cannot be recorded");
    }

    Set<Thread> left = alertWorkers();
    left.removeAll(before);
    for (Thread t : left) {
      t.join(2_000); // a stopped worker ends promptly
    }
    assertThat(left).noneMatch(Thread::isAlive);
  }

  private static Set<Thread> alertWorkers() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("quota-alerts") && t.isAlive())
        .collect(Collectors.toCollection(HashSet::new));
  }
}
