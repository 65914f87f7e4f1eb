package dev.quota;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Wraps a tool or model call: reserve with the estimate, run the call, then commit the actual cost
 * computed from its result, or release the reservation if the call throws, times out or is
 * cancelled (for {@link #callAsync}, cancelling the returned future cancels the call's). A call
 * whose cost cannot be computed (the usage function throws, or returns null) is charged its
 * estimate. Works for blocking code ({@link #call}) and {@code CompletableFuture} code
 * ({@link #callAsync}). A call admitted without a reservation (the store was down and every policy
 * fails open) has its cost recorded as usage instead, and nothing to release if it fails.
 */
public final class QuotaGuard {
  /**
   * The actual cost and meters of a finished call, checked as a commit checks them, so that a usage
   * function that builds a bad one fails as one that throws does (the estimate is charged).
   *
   * @param meters null for none
   * @throws ValidationException naming {@code cost} if it is missing or negative, or the meter at
   *     fault (as a commit names it: {@code meters.requests} if it is 0, since the call was made)
   */
  public record Usage(Money cost, Map<String, Long> meters) {
    public Usage {
      ValidationException.require(cost != null, "cost", "is required");
      ValidationException.require(cost.nanos() >= 0, "cost", "must not be negative");
      meters = meters == null ? Map.of() : meters;
      QuotaRequest.validateMeters(meters);
      QuotaRequest.requireCommittedCall(meters);
    }

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
      releaseAfter(d, e);
      throw e;
    }
    settle(request, d, usageOf(request, d, result, usage));
    return result;
  }

  /**
   * Starts {@code call} if {@code request} is admitted; the returned future completes with its
   * result after the commit, or exceptionally (with the reservation released) if the call fails.
   * A denial completes it exceptionally with {@link QuotaExceededException}. No thread waits for
   * the reservation: with a store that answers later (Redis), the call starts on the engine's
   * executor once admitted (see {@link Quota.Builder#executor}), never on the store's I/O thread.
   * Cancelling the returned future before then releases the reservation and the call never starts.
   * The commit (or release) runs on the thread that completes the call's own future, and waits
   * for the store there.
   */
  public <T> CompletableFuture<T> callAsync(
      QuotaRequest request, Supplier<CompletableFuture<T>> call, Function<T, Usage> usage) {
    CompletableFuture<Decision> reserved;
    try {
      reserved = quota.reserveAsync(request).toCompletableFuture();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<T> guarded = new CompletableFuture<>();
    if (reserved.isDone()) {
      // Answered on this thread already (the in-memory store): no hand-over needed.
      reserved.whenComplete((d, error) -> start(request, d, error, call, usage, guarded));
    } else {
      reserved.whenComplete((d, error) -> handOver(d, error, () -> start(request, d, error, call, usage, guarded), guarded));
    }
    return guarded;
  }

  /**
   * Runs {@code start} on the engine's executor, off the store's I/O thread, which the call and its
   * commit must not hold up. An executor that refuses (the engine is closing) fails the call
   * unstarted and gives its reservation back.
   */
  private void handOver(Decision d, Throwable reserving, Runnable start, CompletableFuture<?> guarded) {
    try {
      quota.blockingExecutor().execute(start);
    } catch (RejectedExecutionException refused) {
      if (reserving == null) {
        releaseAfter(d, refused);
      }
      guarded.completeExceptionally(reserving != null ? unwrap(reserving) : refused);
    }
  }

  /** Starts the call once its reservation is answered, and completes {@code guarded} when it ends. */
  private <T> void start(
      QuotaRequest request, Decision d, Throwable reserving, Supplier<CompletableFuture<T>> call,
      Function<T, Usage> usage, CompletableFuture<T> guarded) {
    if (reserving != null) {
      guarded.completeExceptionally(unwrap(reserving));
      return;
    }
    if (!d.admitted()) {
      guarded.completeExceptionally(new QuotaExceededException(d));
      return;
    }
    if (guarded.isDone()) {
      // Cancelled while the store was deciding: the call never starts, and its hold goes back now.
      releaseAfter(d, new CancellationException());
      return;
    }
    CompletableFuture<T> started;
    try {
      started = call.get();
      if (started == null) {
        throw new NullPointerException("the guarded call returned no future");
      }
    } catch (RuntimeException e) {
      releaseAfter(d, e);
      guarded.completeExceptionally(e);
      return;
    }
    // Completed by hand rather than as a stage of the call's future: a stage that is cancelled
    // never runs, and this one must release the reservation of a cancelled call.
    started.whenComplete(
        (result, error) -> {
          if (error != null) {
            releaseAfter(d, unwrap(error));
            guarded.completeExceptionally(error);
            return;
          }
          try {
            settle(request, d, usageOf(request, d, result, usage));
            guarded.complete(result);
          } catch (RuntimeException | Error e) {
            guarded.completeExceptionally(e);
          }
        });
    // Cancelling the guarded call cancels the call itself, which then releases its reservation
    // instead of holding it until it expires, however long the call would have run.
    guarded.whenComplete(
        (result, error) -> {
          if (guarded.isCancelled()) {
            started.cancel(true);
          }
        });
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException ce && ce.getCause() != null ? ce.getCause() : error;
  }

  /**
   * The usage of a finished call, by {@code usage}. If that throws, the call ran all the same and
   * cost something: its estimate, which the reservation holds, is charged before the error goes
   * on, rather than the hold left until it expires and the spend lost.
   */
  private <T> Usage usageOf(QuotaRequest request, Decision d, T result, Function<T, Usage> usage) {
    try {
      Usage u = usage.apply(result);
      if (u == null) {
        throw new NullPointerException("the usage function returned no Usage for the call's result");
      }
      return u;
    } catch (RuntimeException | Error e) {
      try {
        settle(request, d, new Usage(request.estimatedCost(), request.meters()));
      } catch (RuntimeException settling) {
        e.addSuppressed(settling);
      }
      throw e;
    }
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

  /**
   * Releases the reservation of a call that failed with {@code failure}. A release that fails too
   * (the store away, say; the hold then expires) is attached to the call's own failure, which is
   * what the caller needs to see, rather than put in its place.
   */
  private void releaseAfter(Decision d, Throwable failure) {
    if (d.reservationId() == null) {
      return;
    }
    try {
      quota.release(d.reservationId());
    } catch (RuntimeException releasing) {
      failure.addSuppressed(releasing);
    }
  }
}
