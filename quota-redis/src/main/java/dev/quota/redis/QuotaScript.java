package dev.quota.redis;

import dev.quota.StoreUnavailableException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The store's Lua script, run by its SHA with EVALSHA. A server that does not know the script (first
 * use, restart, SCRIPT FLUSH) answers NOSCRIPT; the call is then repeated once with EVAL, which also
 * caches the script on that server.
 * Every wait is bounded by the store's timeout.
 */
final class QuotaScript {
  private static final List<String> UNAVAILABLE =
      List.of("LOADING", "BUSY", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "MOVED", "ASK", "NOREPLICAS");

  private final String source;
  private final String sha;
  private final long timeoutNanos;

  QuotaScript(long timeoutNanos) {
    this.source = load();
    this.sha = sha1(source);
    this.timeoutNanos = timeoutNanos;
  }

  List<Object> run(RedisScriptingAsyncCommands<String, String> redis, String[] keys, String[] args) {
    long deadline = System.nanoTime() + timeoutNanos;
    try {
      return await(redis.evalsha(sha, ScriptOutputType.MULTI, keys, args), deadline);
    } catch (RedisNoScriptException e) {
      // EVAL both runs and caches the script, on whichever cluster node the keys route to
      return await(redis.eval(source, ScriptOutputType.MULTI, keys, args), deadline);
    }
  }

  private <T> T await(RedisFuture<T> future, long deadline) {
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
