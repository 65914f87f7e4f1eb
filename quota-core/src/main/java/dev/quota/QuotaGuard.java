package dev.quota;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Wraps a tool or model call: reserve with the estimate, run the call, then commit the actual cost
 * computed from its result, or release the reservation if the call throws, times out or is
 * cancelled. Works for blocking code ({@link #call}) and {@code CompletableFuture} code
 * ({@link #callAsync}). A call admitted without a reservation (the store was down and every policy
 * fails open) has its cost recorded as usage instead, and nothing to release if it fails.
 */
public final class QuotaGuard {
  /** The actual cost and meters of a finished call. */
  public record Usage(Money cost, Map<String, Long> meters) {
    public static Usage of(Money cost) {
      return new Usage(cost, Map.of());
    }
  }

  private final Quota quota;

  public QuotaGuard(Quota quota) {
    this.quota = quota;
  }

  /**
   * Runs {@code call} if {@code request} is admitted.
   *
   * @throws QuotaExceededException if denied (the call does not run)
   */
  public <T> T call(QuotaRequest request, Callable<T> call, Function<T, Usage> usage) throws Exception {
    Decision d = quota.reserve(request);
    if (!d.admitted()) {
      throw new QuotaExceededException(d);
    }
    T result;
    try {
      result = call.call();
    } catch (Exception | Error e) {
      release(d);
      throw e;
    }
    settle(request, d, usage.apply(result));
    return result;
  }

  /**
   * Starts {@code call} if {@code request} is admitted; the returned future completes with its
   * result after the commit, or exceptionally (with the reservation released) if the call fails.
   * A denial completes it exceptionally with {@link QuotaExceededException}.
   */
  public <T> CompletableFuture<T> callAsync(
      QuotaRequest request, Supplier<CompletableFuture<T>> call, Function<T, Usage> usage) {
    Decision d;
    try {
      d = quota.reserve(request);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (!d.admitted()) {
      return CompletableFuture.failedFuture(new QuotaExceededException(d));
    }
    CompletableFuture<T> started;
    try {
      started = call.get();
    } catch (RuntimeException e) {
      release(d);
      return CompletableFuture.failedFuture(e);
    }
    return started.handle(
        (result, error) -> {
          if (error != null) {
            release(d);
            throw error instanceof CompletionException ce ? ce : new CompletionException(error);
          }
          settle(request, d, usage.apply(result));
          return result;
        });
  }

  /** Commits the reservation with {@code u}, or records {@code u} as usage if there is none (failed open). */
  private void settle(QuotaRequest request, Decision d, Usage u) {
    if (d.reservationId() == null) {
      // Not record() under the request's key: a retry of the call runs it again and costs again,
      // and a reserve's key must not name a record, so its actual cost would be refused as a conflict.
      quota.chargeFailedOpen(new QuotaRequest(request.subjects(), u.cost(), u.meters(), null, null));
    } else {
      quota.commit(d.reservationId(), u.cost(), u.meters());
    }
  }

  private void release(Decision d) {
    if (d.reservationId() != null) {
      quota.release(d.reservationId());
    }
  }
}
