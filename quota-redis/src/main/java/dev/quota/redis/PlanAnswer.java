package dev.quota.redis;

import dev.quota.plan.PlanResult;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeoutException;

/**
 * The answer to one decision on a single node: the plan's result, parsed on the thread that
 * received the reply, or the failure as {@link RedisStore#apply} throws it.
 *
 * <p>Sent through the {@link DecisionBatcher}, a decision that has to wait behind the calls in
 * flight carries a deadline: if Redis has not answered it within the timeout, the timer fails it
 * with StoreUnavailableException, and a decision still queued then is never sent. One that leaves
 * at once is bounded by its call's command timeout alone, so a lone decision never wakes the timer.
 *
 * <p>If Redis refused its whole call because the server lacks the library (or has no functions),
 * Redis ran none of it, and this decision alone is sent again the way that loads the library
 * ({@link QuotaScript#runAsync}); that too only chains on Lettuce's replies, so the thread that
 * received the refusal never waits.
 */
final class PlanAnswer extends DecisionBatcher.Decision<PlanResult> implements Runnable {
  private final QuotaScript script;
  private final RedisConnection connection;
  private final RedisClockEstimate clock;
  /** The call's test clock offset, which the reply's time includes. */
  private final long offsetMs;
  /** Set while the decision waits behind the calls in flight; else null. */
  private volatile ScheduledFuture<?> deadline;
  private volatile boolean arrived;

  PlanAnswer(ScriptCodec.Call call, QuotaScript script, RedisConnection connection, RedisClockEstimate clock, long offsetMs) {
    super(call);
    this.script = script;
    this.connection = connection;
    this.clock = clock;
    this.offsetMs = offsetMs;
  }

  /** Fails this answer after {@code nanos} unless its reply arrived by then. */
  void expireAfter(Deadlines deadlines, long nanos) {
    ScheduledFuture<?> d = deadlines.after(nanos, this);
    deadline = d;
    if (arrived || isDone()) { // answered meanwhile: the deadline must not wait in the timer's queue
      d.cancel(false);
    }
  }

  /** The deadline passed. */
  @Override
  public void run() {
    completeExceptionally(script.notAnswered(new TimeoutException()));
  }

  /** Redis answered in time: what runs on the replies before this one does not count against it. */
  @Override
  void arrived() {
    arrived = true;
    stopDeadline();
  }

  @Override
  void replied(List<Object> reply) {
    stopDeadline();
    try {
      if (ScriptCodec.tooLate(reply)) { // Redis started it after its caller stopped waiting: it changed nothing
        clock.observe(ScriptCodec.num(reply.get(2)), offsetMs);
        completeExceptionally(script.tooLate());
        return;
      }
      PlanResult result = ScriptCodec.planResult(reply, call);
      if (result.status() != PlanResult.Status.REPLAYED) { // a replay carries its first answer's time
        clock.observe(result.nowMs(), offsetMs);
      }
      complete(result);
    } catch (RuntimeException e) {
      completeExceptionally(e);
    }
  }

  @Override
  void failed(Throwable error) {
    stopDeadline();
    if (isDone()) {
      return;
    }
    if (QuotaScript.ranNothing(error)) {
      // send this decision alone, the way that loads the library (or finds the server has no functions)
      script.runAsync(connection, call.keys(), call.args()).whenComplete(this::settle);
      return;
    }
    completeExceptionally(script.failure(error));
  }

  /** Answers from the reply (or error) of this decision's own call. */
  void settle(List<Object> reply, Throwable error) {
    if (error != null) {
      stopDeadline();
      completeExceptionally(script.failure(error));
    } else {
      replied(reply);
    }
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    stopDeadline();
    return super.cancel(mayInterruptIfRunning);
  }

  private void stopDeadline() {
    ScheduledFuture<?> d = deadline;
    if (d != null) {
      d.cancel(false);
    }
  }
}
