package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A recorded usage retried with its idempotency key is answered from the ledger, whose answer
 * reads the limits as a check would. Listeners (the server's decision metrics) must hear one
 * recorded usage per call, never a check nobody asked for.
 */
class ReplayedUsageCountsAsRecordTest {
  private final MutableClock clock = Fixtures.clock();
  private final List<String> heard = Collections.synchronizedList(new ArrayList<>());
  private final Quota quota = Quota.builder().clock(clock).listener(new QuotaListener() {
    @Override
    public void onDecision(String operation, boolean admitted, long nanos) {
      heard.add(operation + (admitted ? " admitted" : " denied"));
    }
  }).build();

  @Test
  void aReplayedUsageIsHeardAsARecordedUsage() {
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(10, Duration.ofHours(1))
        .budget(Budget.of("USD", Money.of("5"), null, null)).build(), ADMIN, "t");
    QuotaRequest usage = QuotaRequest.builder().user("u").estimatedCost("1").idempotencyKey("rec-1").build();

    Decision first = quota.record(usage);
    Decision retry = quota.record(usage);

    assertThat(first.replayed()).isFalse();
    assertThat(retry.replayed()).isTrue();
    assertThat(retry.limits()).isNotEmpty();
    assertThat(heard).containsExactly("record admitted", "record admitted");
  }
}
