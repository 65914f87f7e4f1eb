package dev.quota.redis;

import dev.quota.StoreUnavailableException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.BaseRedisAsyncCommands;
import io.lettuce.core.api.async.RedisFunctionAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.protocol.CommandType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The store's Lua code ({@code quota.lua}), run as a Redis function (FCALL, Redis 7 and later): the
 * library is loaded once per server, so a call runs only its own work, not the definitions of every
 * helper as a script does on each EVALSHA. A server that does not have the library (first use,
 * restart, FUNCTION FLUSH, a new cluster node) answers "Function not found"; it is then loaded and
 * the call repeated once; the load, like connecting, is bounded by the connect timeout, and the
 * repeated call by the timeout again. A server without functions (before Redis 7) gets the same code as a
 * script by EVALSHA, repeated once with EVAL on NOSCRIPT. The library and function are named after
 * a hash of the code, so processes running different versions never call each other's.
 *
 * <p>Nothing here waits: every call is sent asynchronously and answered on Lettuce's threads, each
 * command bounded by the store's timeout (Lettuce's command timeout), the load by the timer.
 */
final class QuotaScript {
  /**
   * Redis's error codes for a server that cannot run the call now or for this client, though the
   * call itself is sound: full (OOM), a replica, loading, busy, a cluster in motion, or an account
   * not allowed to run scripts (NOPERM). They are outages for the fail modes to decide; any other
   * error is the script's own.
   */
  private static final List<String> UNAVAILABLE = List.of(
      "LOADING", "BUSY", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "MOVED", "ASK", "NOREPLICAS", "OOM", "NOPERM");

  private final String function;
  private final String library;
  private final String source;
  private final String sha;
  private final long timeoutNanos;
  private final long loadTimeoutNanos;
  private final Deadlines deadlines;
  /** The last load of the library, shared by the calls that found it missing meanwhile. */
  private final AtomicReference<CompletableFuture<Object>> loading = new AtomicReference<>();
  /** False once the server has shown it has no functions. */
  private volatile boolean functions = true;

  QuotaScript(long timeoutNanos, long loadTimeoutNanos, Deadlines deadlines) {
    String code = load();
    this.function = "quota_" + sha1(code).substring(0, 16);
    this.library = "#!lua name=" + function + "\n" + code + "\nredis.register_function('" + function + "', run)\n";
    // as a script the code sees KEYS and ARGV as globals, which its own locals of those names hide
    this.source = "local SCRIPT_KEYS, SCRIPT_ARGV = KEYS, ARGV\n" + code + "\nreturn run(SCRIPT_KEYS, SCRIPT_ARGV)\n";
    this.sha = sha1(source);
    this.timeoutNanos = timeoutNanos;
    this.loadTimeoutNanos = loadTimeoutNanos;
    this.deadlines = deadlines;
  }

  /**
   * Runs one call: FCALL, loading the library first if the server lacks it, or EVALSHA (EVAL on
   * NOSCRIPT) on a server without functions. Opens the connection first if it is closed, so that
   * the timeout bounds the calls alone. The stage completes on Lettuce's threads (or the timer's,
   * for a load that took too long) with the reply, or with the error as Redis gave it, for
   * {@link #failure} to translate.
   */
  CompletableFuture<List<Object>> runAsync(RedisConnection redis, String[] keys, String[] args) {
    CompletableFuture<RedisClusterAsyncCommands<String, String>> open = keys.length > 0 ? redis.commands(keys[0]) : redis.commands();
    if (open.isDone() && !open.isCompletedExceptionally()) {
      return call(redis, open.join(), keys, args);
    }
    return open.thenCompose(commands -> call(redis, commands, keys, args));
  }

  private CompletableFuture<List<Object>> call(
      RedisConnection redis, RedisClusterAsyncCommands<String, String> commands, String[] keys, String[] args) {
    if (!functions) {
      return script(commands, keys, args);
    }
    return orElse(commands.fcall(function, ScriptOutputType.MULTI, keys, args), cause -> {
      String message = String.valueOf(cause.getMessage());
      if (cause instanceof RedisCommandExecutionException && message.startsWith("ERR Function not found")) {
        // once per server, like connecting, and bounded like it; then the call has its time again
        return loadLibrary(redis).thenCompose(
            loaded -> commands.<List<Object>>fcall(function, ScriptOutputType.MULTI, keys, args).toCompletableFuture());
      }
      if (cause instanceof RedisCommandExecutionException && message.startsWith("ERR unknown command")) {
        functions = false;
        return script(commands, keys, args);
      }
      return null;
    });
  }

  private CompletableFuture<List<Object>> script(
      RedisClusterAsyncCommands<String, String> commands, String[] keys, String[] args) {
    return orElse(commands.evalsha(sha, ScriptOutputType.MULTI, keys, args), cause ->
        // EVAL both runs and caches the script, on whichever cluster node the keys route to
        cause instanceof RedisNoScriptException
            ? commands.<List<Object>>eval(source, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
            : null);
  }

  /** The reply of {@code call}; if it failed, the stage {@code instead} gives for its error (null: the error). */
  private static CompletableFuture<List<Object>> orElse(
      RedisFuture<List<Object>> call, Function<Throwable, CompletableFuture<List<Object>>> instead) {
    CompletableFuture<List<Object>> result = new CompletableFuture<>();
    call.whenComplete((reply, error) -> {
      if (error == null) {
        result.complete(reply);
        return;
      }
      Throwable cause = unwrap(error);
      CompletableFuture<List<Object>> next;
      try {
        next = instead.apply(cause);
      } catch (RuntimeException e) {
        next = CompletableFuture.failedFuture(e);
      }
      if (next == null) {
        result.completeExceptionally(cause);
      } else {
        next.whenComplete((r, e) -> {
          if (e == null) {
            result.complete(r);
          } else {
            result.completeExceptionally(unwrap(e));
          }
        });
      }
    });
    return result;
  }

  /** Loads the library, bounded by the load timeout; calls that find it missing meanwhile share one load. */
  private CompletableFuture<?> loadLibrary(RedisConnection redis) {
    CompletableFuture<Object> current = loading.get();
    if (current != null && !current.isDone()) {
      return current;
    }
    CompletableFuture<Object> next = new CompletableFuture<>();
    if (!loading.compareAndSet(current, next)) {
      return loadLibrary(redis);
    }
    try {
      ScheduledFuture<?> deadline = deadlines.after(loadTimeoutNanos, () -> next.completeExceptionally(
          new StoreUnavailableException("could not load the quota function library into Redis in time", null)));
      redis.loadLibrary(library).whenComplete((done, error) -> {
        deadline.cancel(false);
        if (error == null) {
          next.complete(done);
          return;
        }
        Throwable cause = unwrap(error);
        next.completeExceptionally(cause instanceof RedisException || cause instanceof StoreUnavailableException
            ? cause
            : new StoreUnavailableException("could not load the quota function library into Redis", cause));
      });
    } catch (RuntimeException e) { // the timer is closed: so is the store
      next.completeExceptionally(new StoreUnavailableException("could not load the quota function library into Redis", e));
    }
    return next;
  }

  /** False once the server has shown it has no functions (then every call goes through {@link #runAsync}). */
  boolean functions() {
    return functions;
  }

  /**
   * Sends one FCALL and returns at once. A server without the library answers "Function not found"
   * without running anything ({@link #ranNothing}), so the caller may then send each of the
   * decisions again through {@link #runAsync}, which loads the library.
   */
  RedisFuture<List<Object>> send(RedisFunctionAsyncCommands<String, String> calls, List<ScriptCodec.Call> decisions) {
    if (calls instanceof BaseRedisAsyncCommands<?, ?>) { // so are the commands of every connection this store opens
      @SuppressWarnings("unchecked")
      BaseRedisAsyncCommands<String, String> commands = (BaseRedisAsyncCommands<String, String>) calls;
      return commands.dispatch(
          CommandType.FCALL, new NestedMultiOutput<>(Utf8Codec.INSTANCE), new FcallArgs(function, decisions));
    }
    ScriptCodec.Call call = decisions.size() == 1 ? decisions.get(0) : DecisionBatcher.combine(decisions);
    return calls.fcall(function, ScriptOutputType.MULTI, call.keys(), call.args());
  }

  /**
   * True if Redis refused a whole FCALL because the server lacks the library or has no functions:
   * then it ran none of the call, and each of its decisions may be sent again by {@link #runAsync}.
   */
  static boolean ranNothing(Throwable error) {
    Throwable cause = unwrap(error);
    String message = String.valueOf(cause.getMessage());
    return cause instanceof RedisCommandExecutionException
        && (message.startsWith("ERR Function not found") || message.startsWith("ERR unknown command"));
  }

  /**
   * What a failed call throws: StoreUnavailableException as it is, a call that Redis did not answer
   * in time as StoreUnavailableException naming the timeout, any other error {@link #translate}d.
   */
  RuntimeException failure(Throwable error) {
    Throwable cause = unwrap(error);
    if (cause instanceof StoreUnavailableException unavailable) {
      return unavailable;
    }
    if (cause instanceof RedisCommandTimeoutException || cause instanceof TimeoutException) {
      return notAnswered(cause);
    }
    return translate(cause);
  }

  StoreUnavailableException notAnswered(Throwable cause) {
    return new StoreUnavailableException(
        "Redis did not answer within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms", cause);
  }

  /** What a decision or settlement that Redis started after its deadline (and so did not apply) throws. */
  StoreUnavailableException tooLate() {
    return new StoreUnavailableException("Redis did not start the call within "
        + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms; it changed nothing", null);
  }

  static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  static RuntimeException translate(Throwable cause) {
    if (cause instanceof RedisNoScriptException nse) {
      return nse;
    }
    if (cause instanceof RedisCommandExecutionException ce) {
      String message = String.valueOf(ce.getMessage());
      for (String code : UNAVAILABLE) {
        if (message.startsWith(code)) {
          return new StoreUnavailableException("Redis cannot serve now: " + message, ce);
        }
      }
      return new IllegalStateException("Redis rejected the quota script: " + message, ce);
    }
    return new StoreUnavailableException("Redis is unavailable: " + cause, cause);
  }

  private static String load() {
    try (InputStream in = QuotaScript.class.getResourceAsStream("quota.lua")) {
      if (in == null) {
        throw new IllegalStateException("quota.lua is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read quota.lua", e);
    }
  }

  private static String sha1(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
