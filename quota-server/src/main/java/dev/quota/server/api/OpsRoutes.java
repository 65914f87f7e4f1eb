package dev.quota.server.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.server.auth.Role;
import dev.quota.server.metrics.QuotaMetrics;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operations endpoints: {@code /health} (readiness, running each check; 503 if one fails),
 * {@code /health/live} (the process answers), {@code /metrics} and {@code /openapi.json}.
 */
public final class OpsRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(OpsRoutes.class);
  /** One readiness check: null when healthy, else what is wrong. */
  @FunctionalInterface
  public interface Check {
    String problem();
  }

  private final QuotaMetrics metrics;
  private final Map<String, Check> checks;
  private final byte[] openapi;

  public OpsRoutes(QuotaMetrics metrics, Map<String, Check> checks) {
    this.metrics = metrics;
    this.checks = new LinkedHashMap<>(checks);
    this.openapi = loadOpenApi();
  }

  public static byte[] loadOpenApi() {
    try (InputStream in = OpsRoutes.class.getResourceAsStream("/openapi.json")) {
      if (in == null) {
        throw new IllegalStateException("openapi.json is missing from the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read openapi.json", e);
    }
  }

  /** Health is outside the API's auth, so it is not listed as an API route. */
  public void register(RouteTable r) {
    r.publicGet("/health", this::health);
    r.publicGet("/health/live", ctx -> ctx.json(status("up")));
    r.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()),
        Role.ADMIN, Role.SERVICE, Role.VIEWER);
    r.get("/openapi.json", ctx -> ctx.contentType("application/json").result(openapi),
        Role.ADMIN, Role.SERVICE, Role.VIEWER);
  }

  private void health(Context ctx) {
    ObjectNode body = status("up");
    ObjectNode detail = body.putObject("checks");
    boolean ready = true;
    for (Map.Entry<String, Check> c : checks.entrySet()) {
      String problem;
      try {
        problem = c.getValue().problem();
      } catch (RuntimeException e) {
        // Health answers without a key: what failed inside is for the log, not for anyone asking;
        // at warn, since the log is then the only place the cause is kept.
        LOG.warn("health check {} failed", c.getKey(), e);
        problem = "the check failed";
      }
      detail.put(c.getKey(), problem == null ? "up" : "down: " + problem);
      ready &= problem == null;
    }
    if (!ready) {
      body.put("status", "down");
    }
    ctx.status(ready ? 200 : 503).json(body);
  }

  private static ObjectNode status(String s) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("status", s);
    return o;
  }

  static Check of(Supplier<String> s) {
    return s::get;
  }
}
