package dev.quota.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.ConflictException;
import dev.quota.EngineClosedException;
import dev.quota.NotFoundException;
import dev.quota.ReservationExpiredException;
import dev.quota.StoreUnavailableException;
import dev.quota.ValidationException;
import dev.quota.jdbc.DatabaseException;
import dev.quota.jdbc.LedgerUnavailableException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.router.EndpointNotFound;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every failure into an RFC 9457 {@code application/problem+json} body. Expected failures
 * (bad input, unknown ids, conflicts, a store or database that is down) get their 4xx or 503 and a detail naming
 * the field and rule; anything unexpected gets a bare 500 with no internals and is logged here.
 */
public final class Problems {
  /**
   * Every problem body is UTF-8. JSON needs no charset parameter, but a client that sees none on a
   * type it does not know may fall back to ISO-8859-1, and a detail quotes what the client sent.
   */
  public static final String CONTENT_TYPE = "application/problem+json; charset=utf-8";
  private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
  /**
   * The refusal of a request a stopping server does not serve, whether the engine refused it or
   * the web server did before routing (see {@link JettyProblems}): one answer, so a client retries
   * either the same way.
   */
  static final String SHUTTING_DOWN = "shutting-down";
  static final String SHUTTING_DOWN_DETAIL = "the server is shutting down; the request changed nothing; retry shortly";
  /** Seconds: another server behind the same address, or this one restarted, may take it by then. */
  static final String SHUTTING_DOWN_RETRY_AFTER = "1";

  private Problems() {}

  /**
   * @param methods what each path answers, so a request no route took gets 405 rather than 404 when its path has routes
   * @param unavailable told of each 503 a store or database outage causes
   */
  public static void install(Javalin app, RouteMethods methods, UnavailableListener unavailable) {
    app.exception(ApiError.class, (e, ctx) -> write(ctx, e.status(), e.type(), e.getMessage(), e.field(), e.rule()));
    app.exception(MethodNotAllowed.class, Problems::methodNotAllowed);
    app.exception(EndpointNotFound.class, (e, ctx) -> {
      MethodNotAllowed refusal = methods.refusal(ctx.req().getMethod(), ctx.path());
      if (refusal != null) {
        methodNotAllowed(refusal, ctx);
      } else {
        write(ctx, 404, "not-found", "no route for " + ctx.req().getMethod() + " " + ctx.path(), null, null);
      }
    });
    app.exception(ValidationException.class, Problems::invalid);
    app.exception(NotFoundException.class, (e, ctx) -> write(ctx, 404, "not-found", e.getMessage(), null, null));
    app.exception(ReservationExpiredException.class, (e, ctx) ->
        write(ctx, 410, "reservation-expired", e.getMessage(), "reservationId", "must not have expired"));
    app.exception(ConflictException.class, (e, ctx) -> write(ctx, 409, "conflict", e.getMessage(), e.field(), e.rule()));
    app.exception(StoreUnavailableException.class, (e, ctx) -> {
      unavailable.answeredUnavailable(UnavailableListener.Cause.STORE);
      store(e, ctx);
    });
    app.exception(EngineClosedException.class, (e, ctx) -> {
      // A request still running when a stopping server's drain ran out: its engine is closed.
      shuttingDown(ctx);
    });
    app.exception(LedgerUnavailableException.class, (e, ctx) -> {
      unavailable.answeredUnavailable(UnavailableListener.Cause.DATABASE);
      LOG.warn("usage ledger unavailable: {}", e.getMessage());
      ctx.header("Retry-After", "1");
      write(ctx, 503, "ledger-unavailable", "the usage ledger is unavailable; retry shortly", null, null);
    });
    app.exception(DatabaseException.class, (e, ctx) -> {
      if (e.isBusy() || e.isCancelled() || e.isUnreachable()) { // the 503s of database(); the rest are 500s
        unavailable.answeredUnavailable(UnavailableListener.Cause.DATABASE);
      }
      database(e, ctx);
    });
    app.exception(ArithmeticException.class, (e, ctx) ->
        write(ctx, 422, "amount-out-of-range", "an amount would leave the representable range: " + e.getMessage(), null, null));
    app.exception(HttpResponseException.class, (e, ctx) -> {
      int status = e.getStatus();
      if (status == 413) {
        write(ctx, 413, "body-too-large", "body: must be at most 65536 bytes", "body", "must be at most 65536 bytes");
      } else {
        write(ctx, status, slug(status), e.getMessage(), null, null);
      }
    });
    app.exception(Exception.class, Problems::unexpected);
  }

  /**
   * 400 naming the field and rule of the first problem, as every refusal does, and, when the input
   * had several, all of them in {@code errors} (each a field and a rule), so a form can mark them all.
   */
  private static void invalid(ValidationException e, Context ctx) {
    ObjectNode body = problem(400, "invalid-request", e.getMessage(), e.field(), e.rule());
    if (e.problems().size() > 1) {
      ArrayNode errors = body.putArray("errors");
      for (ValidationException p : e.problems()) {
        errors.addObject().put("field", p.field()).put("rule", p.rule());
      }
    }
    body.put("instance", ctx.path());
    ctx.status(400).contentType(CONTENT_TYPE).result(bytes(body));
  }

  /**
   * Only a decision has a fail mode; a commit, a release, a read or a reset fails for the store
   * alone, and its detail must not send the client looking for a policy.
   */
  private static void store(StoreUnavailableException e, Context ctx) {
    LOG.warn("counter store unavailable on {} {}: {}", ctx.method(), ctx.path(), e.getMessage());
    ctx.header("Retry-After", "1");
    String detail = e.failClosed()
        ? "the counter store is unavailable and a fail-closed policy applies"
        : "the counter store cannot be reached; the request changed nothing; retry shortly";
    write(ctx, 503, "store-unavailable", detail, null, null);
  }

  /** 503 {@code shutting-down} with Retry-After: a request a stopping server does not serve (see {@link StopGate}). */
  static void shuttingDown(Context ctx) {
    ctx.header("Retry-After", SHUTTING_DOWN_RETRY_AFTER);
    write(ctx, 503, SHUTTING_DOWN, SHUTTING_DOWN_DETAIL, null, null);
  }

  /**
   * A database that cannot be reached, or that held the request up past a bound (a lock another
   * session keeps, a statement that did not finish in time), is an outage the client can wait
   * out, not a server fault: 503 without the stack trace. Every other database failure is unexpected.
   */
  private static void database(DatabaseException e, Context ctx) {
    if (e.isBusy()) {
      LOG.warn("database busy on {} {}: {}", ctx.method(), ctx.path(), e.getMessage());
      ctx.header("Retry-After", "1");
      write(ctx, 503, "database-busy",
          "the database is busy: a conflicting change is in progress; the request changed nothing; retry shortly", null, null);
      return;
    }
    if (e.isCancelled()) {
      LOG.warn("database held up {} {} past its time limit: {}", ctx.method(), ctx.path(), e.getMessage());
      ctx.header("Retry-After", "1");
      write(ctx, 503, "database-busy",
          "the database is busy and did not finish the request in time; the request changed nothing; retry shortly", null, null);
      return;
    }
    if (!e.isUnreachable()) {
      unexpected(e, ctx);
      return;
    }
    LOG.warn("database unavailable on {} {}: {}", ctx.method(), ctx.path(), e.getMessage());
    ctx.header("Retry-After", "1");
    write(ctx, 503, "database-unavailable", "the database cannot be reached; the request changed nothing; retry shortly", null, null);
  }

  private static void unexpected(Exception e, Context ctx) {
    LOG.error("unexpected failure on {} {}", ctx.method(), ctx.path(), e);
    write(ctx, 500, "internal-error", "an unexpected error occurred; it has been logged", null, null);
  }

  private static void methodNotAllowed(MethodNotAllowed e, Context ctx) {
    ctx.header("Allow", e.allow());
    write(ctx, 405, "method-not-allowed", e.getMessage(), null, null);
  }

  public static void write(Context ctx, int status, String type, String detail, String field, String rule) {
    ObjectNode body = problem(status, type, detail, field, rule);
    body.put("instance", ctx.path());
    ctx.status(status).contentType(CONTENT_TYPE).result(bytes(body));
  }

  /** The document as UTF-8, whatever charset the response would otherwise default to. */
  public static byte[] bytes(ObjectNode problem) {
    return problem.toString().getBytes(StandardCharsets.UTF_8);
  }

  public static ObjectNode problem(int status, String type, String detail, String field, String rule) {
    ObjectNode body = JsonBody.STRICT.createObjectNode();
    body.put("type", "urn:quota:problem:" + type);
    body.put("title", title(type));
    body.put("status", status);
    body.put("detail", detail);
    if (field != null) {
      body.put("field", field);
      body.put("rule", rule);
    }
    return body;
  }

  private static String slug(int status) {
    return switch (status) {
      case 400 -> "invalid-request";
      case 401 -> "unauthorized";
      case 403 -> "forbidden";
      case 404 -> "not-found";
      case 405 -> "method-not-allowed";
      case 415 -> "unsupported-media-type";
      default -> "http-" + status;
    };
  }

  private static String title(String type) {
    String t = type.replace('-', ' ');
    return Character.toUpperCase(t.charAt(0)) + t.substring(1);
  }
}
