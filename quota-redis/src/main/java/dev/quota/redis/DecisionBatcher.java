package dev.quota.redis;

import dev.quota.StoreUnavailableException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.async.RedisFunctionAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Carries the decisions that callers make at the same time to a single Redis node in few calls.
 * At most {@code maxCalls} calls are in flight; a decision made while they all are waits in a
 * queue, and when a call's reply arrives the queue leaves as the next call, up to
 * {@code maxDecisions} decisions at once (the script's {@code batch}: each decision applied in
 * turn, all or nothing on its own, with its own reply or error). Redis then spends its per-call
 * work (reading and parsing the command, entering Lua, reading the clock, writing the reply) once
 * for many decisions, and this process wakes once per reply instead of once per decision.
 *
 * <p>A lone decision still leaves at once, as a plain call. Every decision is sent at most once;
 * a caller that stopped waiting (timeout) is dropped from the queue if it was not sent yet. A call
 * that fails as a whole fails each of its decisions with that error; the caller decides what to
 * do with it ({@link RedisStore}).
 */
final class DecisionBatcher {
  private final QuotaScript script;
  private final RedisConnection connection;
  private final int maxCalls;
  private final int maxDecisions;
  private final ConcurrentLinkedQueue<Decision<?>> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger calls = new AtomicInteger();

  /**
   * One decision's call, and what becomes of its reply: the caller's answer, which completes on the
   * connection's thread. A decision whose answer is already complete (its caller gave up: timeout,
   * cancellation) is not sent.
   */
  abstract static class Decision<T> extends CompletableFuture<T> {
    final ScriptCodec.Call call;
    /** Taken into a call: from then on the call's command timeout bounds its wait. */
    private volatile boolean left;

    Decision(ScriptCodec.Call call) {
      this.call = call;
    }

    /** True once this decision was taken into a call. */
    final boolean left() {
      return left;
    }

    /**
     * The reply to this decision's call has arrived, and is about to be handed out (after those of
     * the decisions before it in the call, whose continuations run first). Must not block.
     */
    void arrived() {}

    /** Redis answered this decision with {@code reply}. Must not block. */
    abstract void replied(List<Object> reply);

    /** This decision's call failed, or Redis refused this decision alone. Must not block. */
    abstract void failed(Throwable error);
  }

  DecisionBatcher(QuotaScript script, RedisConnection connection, int maxCalls, int maxDecisions) {
    this.script = script;
    this.connection = connection;
    this.maxCalls = maxCalls;
    this.maxDecisions = maxDecisions;
  }

  /**
   * Queues a decision and sends what it can at once. Never connects (nor blocks): the caller opens
   * the connection first; if it is closed by the time a call leaves, that call's decisions fail.
   */
  void submit(Decision<?> d) {
    queue.add(d);
    dispatch();
  }

  /**
   * Sends queued decisions while fewer than maxCalls calls are in flight. A caller queues before it
   * looks at the count, and a finished call lowers the count before it looks at the queue, so
   * whichever comes second sends: no decision is left waiting with no call in flight.
   */
  private void dispatch() {
    while (!queue.isEmpty()) {
      int n = calls.get();
      if (n >= maxCalls) {
        return;
      }
      if (!calls.compareAndSet(n, n + 1)) {
        continue;
      }
      List<Decision<?>> batch = drain();
      if (batch.isEmpty()) {
        calls.decrementAndGet();
        continue;
      }
      send(batch);
    }
  }

  private List<Decision<?>> drain() {
    List<Decision<?>> batch = new ArrayList<>(Math.min(maxDecisions, 16));
    Decision<?> d;
    while (batch.size() < maxDecisions && (d = queue.poll()) != null) {
      if (!d.isDone()) { // its caller may have given up (timeout): then it is not sent at all
        d.left = true;
        batch.add(d);
      }
    }
    return batch;
  }

  private void send(List<Decision<?>> batch) {
    RedisFunctionAsyncCommands<String, String> redis;
    try {
      redis = connection.commandsIfOpen();
      if (redis == null) {
        throw new StoreUnavailableException("the connection to Redis was lost", null);
      }
      script.send(redis, calls(batch)).whenComplete((reply, error) -> {
        calls.decrementAndGet();
        dispatch();
        answer(batch, reply, error);
      });
    } catch (RuntimeException e) {
      calls.decrementAndGet();
      for (Decision<?> d : batch) {
        d.failed(e);
      }
    }
  }

  private static List<ScriptCodec.Call> calls(List<Decision<?>> batch) {
    if (batch.size() == 1) {
      return List.of(batch.get(0).call);
    }
    List<ScriptCodec.Call> calls = new ArrayList<>(batch.size());
    for (Decision<?> d : batch) {
      calls.add(d.call);
    }
    return calls;
  }

  /**
   * The script's {@code batch} call: every decision's keys in turn; per decision its counts and
   * arguments, a repeat or a like of the last decision sent whole only its own ({@link #forms}).
   * Calls are sent this way by {@link FcallArgs} without building it.
   */
  static ScriptCodec.Call combine(List<ScriptCodec.Call> calls) {
    ScriptCodec.Form[] forms = forms(calls);
    int keyCount = 0;
    int argCount = 2;
    for (int i = 0; i < calls.size(); i++) {
      ScriptCodec.Call c = calls.get(i);
      keyCount += c.sentKeys(forms[i]);
      argCount += 2 + c.sentArgs(forms[i]);
    }
    String[] keys = new String[keyCount];
    String[] args = new String[argCount];
    args[0] = "batch";
    args[1] = Integer.toString(calls.size());
    int k = 0;
    int a = 2;
    for (int i = 0; i < calls.size(); i++) {
      ScriptCodec.Call c = calls.get(i);
      ScriptCodec.Form form = forms[i];
      int kc = c.sentKeys(form);
      int ac = c.sentArgs(form);
      for (int j = 0; j < kc; j++) {
        keys[k++] = c.sentKey(form, j);
      }
      args[a++] = Integer.toString(kc);
      args[a++] = Integer.toString(ac);
      for (int j = 0; j < ac; j++) {
        args[a++] = c.sentArg(form, j);
      }
    }
    return new ScriptCodec.Call(keys, args);
  }

  /**
   * How each of a batch's calls goes ({@link ScriptCodec.Call#formAfter}): whole, or as a repeat or
   * a like of the last call sent whole before it. Callers deciding for one hot subject send
   * repeats; many users under one policy send likes.
   */
  static ScriptCodec.Form[] forms(List<ScriptCodec.Call> calls) {
    ScriptCodec.Form[] forms = new ScriptCodec.Form[calls.size()];
    ScriptCodec.Call whole = calls.get(0);
    forms[0] = ScriptCodec.Form.WHOLE;
    for (int i = 1; i < calls.size(); i++) {
      ScriptCodec.Call c = calls.get(i);
      forms[i] = c.formAfter(whole);
      if (forms[i] == ScriptCodec.Form.WHOLE) {
        whole = c;
      }
    }
    return forms;
  }

  /** Decisions waiting for a call (for tests). */
  int queued() {
    return queue.size();
  }

  @SuppressWarnings("unchecked")
  private static void answer(List<Decision<?>> batch, List<Object> reply, Throwable error) {
    for (Decision<?> d : batch) {
      d.arrived();
    }
    if (error != null) {
      for (Decision<?> d : batch) {
        d.failed(error);
      }
    } else if (batch.size() == 1) {
      batch.get(0).replied(reply);
    } else {
      for (int i = 0; i < batch.size(); i++) {
        Object r = reply.get(i);
        if (r instanceof List<?> list) {
          batch.get(i).replied((List<Object>) list);
        } else {
          // this decision failed on its own (its counters are untouched): its error text
          batch.get(i).failed(new RedisCommandExecutionException(String.valueOf(r)));
        }
      }
    }
  }
}
