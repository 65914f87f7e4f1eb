package dev.quota.redis;

import dev.quota.StoreUnavailableException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.BaseRedisAsyncCommands;
import io.lettuce.core.api.async.RedisFunctionAsyncCommands;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.protocol.CommandType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The store's Lua code ({@code quota.lua}), run as a Redis function (FCALL, Redis 7 and later): the
 * library is loaded once per server, so a call runs only its own work, not the definitions of every
 * helper as a script does on each EVALSHA. A server that does not have the library (first use,
 * restart, FUNCTION FLUSH, a new cluster node) answers "Function not found"; it is then loaded and
 * the call repeated once; the load, like connecting, is bounded by the connect timeout, and the
 * repeated call by the timeout again. A server without functions (before Redis 7) gets the same code as a
 * script by EVALSHA, repeated once with EVAL on NOSCRIPT. The library and function are named after
 * a hash of the code, so processes running different versions never call each other's.
 * Every wait is bounded by the store's timeout.
 */
final class QuotaScript {
  private static final List<String> UNAVAILABLE =
      List.of("LOADING", "BUSY", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "MOVED", "ASK", "NOREPLICAS");

  private final String function;
  private final String library;
  private final String source;
  private final String sha;
  private final long timeoutNanos;
  private final long loadTimeoutNanos;
  /** False once the server has shown it has no functions. */
  private volatile boolean functions = true;

  QuotaScript(long timeoutNanos, long loadTimeoutNanos) {
    String code = load();
    this.function = "quota_" + sha1(code).substring(0, 16);
    this.library = "#!lua name=" + function + "\n" + code + "\nredis.register_function('" + function + "', run)\n";
    // as a script the code sees KEYS and ARGV as globals, which its own locals of those names hide
    this.source = "local SCRIPT_KEYS, SCRIPT_ARGV = KEYS, ARGV\n" + code + "\nreturn run(SCRIPT_KEYS, SCRIPT_ARGV)\n";
    this.sha = sha1(source);
    this.timeoutNanos = timeoutNanos;
    this.loadTimeoutNanos = loadTimeoutNanos;
  }

  List<Object> run(RedisConnection redis, String[] keys, String[] args) {
    // (re)connects first, so that the timeout bounds the call alone
    RedisFunctionAsyncCommands<String, String> calls = redis.functions();
    RedisScriptingAsyncCommands<String, String> scripting = redis.scripting();
    long deadline = System.nanoTime() + timeoutNanos;
    if (functions) {
      try {
        return await(calls.fcall(function, ScriptOutputType.MULTI, keys, args), deadline);
      } catch (RedisCommandExecutionException e) {
        String message = String.valueOf(e.getMessage());
        if (message.startsWith("ERR Function not found")) {
          // once per server, like connecting, and bounded like it; then the call has its time again
          try {
            redis.loadLibrary(library).get(loadTimeoutNanos, TimeUnit.NANOSECONDS);
          } catch (TimeoutException | InterruptedException | ExecutionException failed) {
            throw loadFailure(failed);
          }
          return await(calls.fcall(function, ScriptOutputType.MULTI, keys, args), System.nanoTime() + timeoutNanos);
        }
        if (!message.startsWith("ERR unknown command")) {
          throw e;
        }
        functions = false;
      }
    }
    try {
      return await(scripting.evalsha(sha, ScriptOutputType.MULTI, keys, args), deadline);
    } catch (RedisNoScriptException e) {
      // EVAL both runs and caches the script, on whichever cluster node the keys route to
      return await(scripting.eval(source, ScriptOutputType.MULTI, keys, args), deadline);
    }
  }

  /** False once the server has shown it has no functions (then every call goes through {@link #run}). */
  boolean functions() {
    return functions;
  }

  /**
   * Sends one FCALL and returns at once; the caller bounds the wait. A server without the library
   * answers "Function not found" without running anything, so the caller may then {@link #run} the
   * call, which loads the library.
   */
  io.lettuce.core.RedisFuture<List<Object>> send(
      RedisFunctionAsyncCommands<String, String> calls, List<ScriptCodec.Call> decisions) {
    if (calls instanceof BaseRedisAsyncCommands<?, ?>) { // so are the commands of every connection this store opens
      @SuppressWarnings("unchecked")
      BaseRedisAsyncCommands<String, String> commands = (BaseRedisAsyncCommands<String, String>) calls;
      return commands.dispatch(
          CommandType.FCALL, new NestedMultiOutput<>(Utf8Codec.INSTANCE), new FcallArgs(function, decisions));
    }
    ScriptCodec.Call call = decisions.size() == 1 ? decisions.get(0) : DecisionBatcher.combine(decisions);
    return calls.fcall(function, ScriptOutputType.MULTI, call.keys(), call.args());
  }

  private static RuntimeException loadFailure(Exception e) {
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
    if (e instanceof ExecutionException && e.getCause() instanceof RedisException re) {
      return re;
    }
    return new StoreUnavailableException("could not load the quota function library into Redis", e);
  }

  /** Waits until the deadline; Redis errors are thrown as they are, for the caller to translate. */
  private <T> T await(Future<T> future, long deadline) {
    try {
      return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(false);
      throw new StoreUnavailableException(
          "Redis did not answer within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreUnavailableException("interrupted while waiting for Redis", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RedisException re) {
        throw re;
      }
      throw translate(e.getCause());
    }
  }

  static RuntimeException translate(Throwable cause) {
    if (cause instanceof RedisNoScriptException nse) {
      return nse;
    }
    if (cause instanceof RedisCommandExecutionException ce) {
      String message = String.valueOf(ce.getMessage());
      if (message.startsWith("QUOTA_RANGE ")) {
        return new ArithmeticException(message.substring("QUOTA_RANGE ".length()));
      }
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
