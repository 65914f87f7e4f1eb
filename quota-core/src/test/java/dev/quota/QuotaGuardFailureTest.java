package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.quota.store.conformance.MutableClock;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * What a guarded call leaves behind when something other than the call fails: the function that
 * prices its result, the release after it failed, or the caller's patience (a cancel).
 */
class QuotaGuardFailureTest {
  private final MutableClock clock = Fixtures.clock();
  private final OutageStore store = new OutageStore(clock);
  private final Quota quota = Quota.builder().clock(clock).store(store).build();
  private final QuotaGuard guard = new QuotaGuard(quota);

  QuotaGuardFailureTest() {
    quota.admin().putPolicy(
        Policy.builder("user:*").concurrency(1).budget(Budget.of("USD", Money.of("1"), null, null)).build(), ADMIN, "t");
  }

  /** The daily budget's spend and the slots in use, in that order. */
  private List<LimitStatus> usage() {
    return quota.usage(Subject.of("user", "u"));
  }

  @Test
  void aCallWhoseUsageCannotBeComputedIsChargedItsEstimate() {
    assertThatThrownBy(() -> guard.call(Fixtures.userCost("u", "0.3"), () -> "result",
        r -> { throw new IllegalArgumentException("no usage in the reply"); }))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("no usage in the reply");
    assertThat(usage().get(0).usedAmount()).isEqualByComparingTo("0.3");
    assertThat(usage().get(1).used()).as("slot returned").isZero();
  }

  @Test
  void anAsyncCallWhoseUsageCannotBeComputedIsChargedItsEstimate() {
    CompletableFuture<String> guarded = guard.callAsync(Fixtures.userCost("u", "0.3"),
        () -> CompletableFuture.completedFuture("result"), r -> { throw new IllegalArgumentException("no usage"); });
    assertThatThrownBy(guarded::get).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IllegalArgumentException.class);
    assertThat(usage().get(0).usedAmount()).isEqualByComparingTo("0.3");
    assertThat(usage().get(1).used()).as("slot returned").isZero();
  }

  @Test
  void aCallWhoseUsageFunctionReturnsNullIsChargedItsEstimate() {
    assertThatThrownBy(() -> guard.call(Fixtures.userCost("u", "0.3"), () -> "result", r -> null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("usage function returned no Usage");
    assertThat(usage().get(0).usedAmount()).isEqualByComparingTo("0.3");
    assertThat(usage().get(1).used()).as("slot returned").isZero();
  }

  @Test
  void aCallPricedWithAUsageACommitWouldRefuseIsChargedItsEstimate() {
    assertThatThrownBy(() -> guard.call(Fixtures.userCost("u", "0.3"), () -> "result",
        r -> new QuotaGuard.Usage(null, null)))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("cost"));
    assertThatThrownBy(() -> guard.call(Fixtures.userCost("u", "0.3"), () -> "result",
        r -> new QuotaGuard.Usage(Money.of("0.1"), java.util.Map.of("requests", 0L))))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("meters.requests"));
    assertThat(usage().get(0).usedAmount()).isEqualByComparingTo("0.6");
    assertThat(usage().get(1).used()).as("slot returned").isZero();
  }

  @Test
  void anAsyncCallThatReturnsNoFutureReleasesItsReservation() {
    CompletableFuture<String> guarded =
        guard.callAsync(Fixtures.userCost("u", "0.3"), () -> null, r -> QuotaGuard.Usage.of(Money.of("0.3")));
    assertThatThrownBy(guarded::get).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(NullPointerException.class).hasMessageContaining("returned no future");
    assertThat(usage().get(0).usedAmount()).isEqualByComparingTo("0");
    assertThat(usage().get(1).used()).as("slot returned").isZero();
  }

  @Test
  void aFailedReleaseIsAttachedToTheCallsOwnFailure() {
    Throwable thrown = catchThrowable(() -> guard.call(Fixtures.userCost("u", "0.3"),
        () -> {
          store.goDown();
          throw new IOException("tool failed");
        }, r -> QuotaGuard.Usage.of(Money.ZERO)));
    assertThat(thrown).isInstanceOf(IOException.class).hasMessage("tool failed");
    assertThat(thrown.getSuppressed()).singleElement().isInstanceOf(StoreUnavailableException.class);
  }

  @Test
  void anAsyncCallsFailedReleaseIsAttachedToItsOwnFailure() {
    CompletableFuture<String> guarded = guard.callAsync(Fixtures.userCost("u", "0.3"), () -> {
      store.goDown();
      return CompletableFuture.failedFuture(new IOException("tool failed"));
    }, r -> QuotaGuard.Usage.of(Money.ZERO));
    assertThatThrownBy(guarded::get).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(IOException.class)
        .satisfies(e -> assertThat(e.getSuppressed()).singleElement().isInstanceOf(StoreUnavailableException.class));
  }

  @Test
  void cancellingAGuardedCallReleasesItsReservation() throws InterruptedException {
    CompletableFuture<String> call = new CompletableFuture<>(); // a call that has not answered yet
    java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
    CompletableFuture<String> guarded = guard.callAsync(Fixtures.userCost("u", "0.3"), () -> {
      started.countDown();
      return call;
    }, r -> QuotaGuard.Usage.of(Money.of("0.3")));
    // The first reservation of a budget may finish on the engine's executor (it seeds the budget).
    assertThat(started.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(usage().get(1).used()).as("slot held while the call runs").isEqualTo(1);

    guarded.cancel(true);

    // Passed on by the thread that started the call, which may still be finishing that.
    assertThat(Fixtures.eventually(call::isCancelled)).as("call cancelled").isTrue();
    assertThat(Fixtures.eventually(() -> usage().get(1).used() == 0)).as("slot returned").isTrue();
    assertThat(usage().get(0).usedAmount()).isEqualByComparingTo("0");
  }
}
