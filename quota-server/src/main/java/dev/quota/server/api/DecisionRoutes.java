package dev.quota.server.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.Decision;
import dev.quota.LimitStatus;
import dev.quota.Money;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.Settled;
import dev.quota.ValidationException;
import dev.quota.server.denials.RecentDenials;
import dev.quota.server.http.ApiError;
import dev.quota.server.http.BodyProblems;
import dev.quota.server.http.DecisionBody;
import dev.quota.server.http.DecisionProblems;
import dev.quota.server.http.Fields;
import dev.quota.server.http.JsonBody;
import dev.quota.server.http.Problems;
import dev.quota.server.json.DecisionWriter;
import dev.quota.server.json.Wire;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

import static dev.quota.server.auth.Role.ADMIN;
import static dev.quota.server.auth.Role.SERVICE;

/** Decisions and settlements: check, reserve, a held reservation, commit, release and recorded usage. */
public final class DecisionRoutes {
  private static final Set<String> REQUEST = Set.of("subjects", "estimatedCost", "meters", "idempotencyKey", "ttl");
  /** A dry run holds nothing and repeats nothing: a ttl or an idempotency key would be ignored, so they are refused. */
  private static final Set<String> CHECK = Set.of("subjects", "estimatedCost", "meters");
  private static final Set<String> USAGE = Set.of("subjects", "cost", "meters", "idempotencyKey");
  private static final Set<String> COMMIT = Set.of("actualCost", "meters");

  private final Quota quota;
  private final CountedSettlements settlements;
  private final Clock clock;
  private final RecentDenials denials;
  /** Where responses to decisions made on the store's I/O thread are written. */
  private final Executor responses;
  /** Under Jetty's output aggregation size (8 KiB): such a body is copied, never written through. */
  private static final int INLINE_RESPONSE_BYTES = 4096;

  public DecisionRoutes(Quota quota, SettlementListener settled, Clock clock, RecentDenials denials, Executor responses) {
    this.quota = quota;
    this.settlements = new CountedSettlements(quota, settled);
    this.clock = clock;
    this.denials = denials;
    this.responses = responses;
  }

  public void register(RouteTable r) {
    r.post("/v1/check", this::check, ADMIN, SERVICE);
    r.post("/v1/reservations", this::reserve, ADMIN, SERVICE);
    r.get("/v1/reservations/{reservationId}", this::reservation, ADMIN, SERVICE);
    r.post("/v1/reservations/{reservationId}/commit", this::commit, ADMIN, SERVICE);
    r.post("/v1/reservations/{reservationId}/release", this::release, ADMIN, SERVICE);
    r.post("/v1/usage", this::record, ADMIN, SERVICE);
  }

  private void check(Context ctx) {
    answer(ctx, quota.checkAsync(request(ctx, CHECK, "estimatedCost")), this::checked);
  }

  private byte[] checked(Context ctx, Decision d) {
    RateLimitHeaders.apply(ctx, d, clock.instant());
    return json(ctx, d);
  }

  private void reserve(Context ctx) {
    QuotaRequest request = request(ctx, REQUEST, "estimatedCost", QuotaRequest::requireOneCall);
    answer(ctx, quota.reserveAsync(request), (c, d) -> reserved(c, d, request));
  }

  /**
   * Answers with {@code decision} at once if it is already made (the in-memory store decides on
   * this thread), else when it is made: then no request thread waits for the store (Redis).
   * Such a response is written by the thread the decision completes on, the store's I/O thread,
   * only if it fits Jetty's write buffer whole, so that writing it cannot block; a larger one (many
   * limits) moves to a request thread, so no slow client's full socket can stall the store.
   *
   * @param respond sets the status and headers for the decision and returns the body
   */
  private void answer(Context ctx, CompletionStage<Decision> decision, BiFunction<Context, Decision, byte[]> respond) {
    CompletableFuture<Decision> d = decision.toCompletableFuture();
    if (!d.isDone()) {
      ctx.future(() -> d.thenCompose(made -> {
        byte[] body = respond.apply(ctx, made);
        if (body.length <= INLINE_RESPONSE_BYTES) {
          send(ctx, body);
          return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.runAsync(() -> send(ctx, body), responses);
      }));
      return;
    }
    Decision made;
    try {
      made = d.join();
    } catch (CompletionException e) {
      // the engine's own exception, for the same error mapping as a synchronous call
      throw e.getCause() instanceof RuntimeException cause ? cause : e;
    }
    send(ctx, respond.apply(ctx, made));
  }

  /**
   * Writes {@code body} as the whole response, straight to the servlet's stream. Javalin's result
   * path would allocate a 32 KiB copy buffer and set up compression for every response; a
   * decision is a small body that is answered more often than anything else.
   */
  private static void send(Context ctx, byte[] body) {
    HttpServletResponse res = ctx.res();
    res.setContentLength(body.length);
    try {
      res.getOutputStream().write(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private byte[] reserved(Context ctx, Decision d, QuotaRequest request) {
    RateLimitHeaders.apply(ctx, d, clock.instant());
    if (d.admitted()) {
      if (d.reservationId() != null) {
        ctx.header("Location", "/v1/reservations/" + d.reservationId());
      }
      return json(ctx.status(201), d);
    }
    denials.record(request.subjects(), d);
    return denied(ctx, d);
  }

  /** The reservation the Location of a reserve names, while it is held; 404 naming it once it is not. */
  private void reservation(Context ctx) {
    ctx.json(Wire.reservation(quota.reservation(ctx.pathParam("reservationId"))));
  }

  private void record(Context ctx) {
    Decision d = quota.record(request(ctx, USAGE, "cost"));
    send(ctx, json(ctx, d));
  }

  /** Every problem of the body is listed in one refusal, its meters' names among them once another is found. */
  private void commit(Context ctx) {
    BodyProblems problems = new BodyProblems();
    Fields f = JsonBody.read(ctx, COMMIT, problems);
    Money actual = problems.read(() -> f.money("actualCost", true));
    Map<String, Long> meters = problems.read(() -> f.countMap("meters", QuotaRequest.MAX_METERS));
    if (problems.any() && meters != null) {
      // The engine checks the meters of a body otherwise valid, as it does a request's, and then
      // that they name a call made: listed here beside the rest, once the meters themselves pass.
      boolean named = true;
      for (Map.Entry<String, Long> m : meters.entrySet()) {
        named &= problems.read(() -> DecisionProblems.meter(m.getKey(), m.getValue())) != null;
      }
      if (named) {
        problems.check(() -> QuotaRequest.requireCommittedCall(meters));
      }
    }
    problems.throwIfAny();
    Settled s = settlements.commit(ctx.pathParam("reservationId"), actual, meters);
    ctx.json(Wire.settled(s));
  }

  private void release(Context ctx) {
    BodyProblems problems = new BodyProblems();
    JsonBody.read(ctx, Set.of(), true, problems);
    problems.throwIfAny();
    ctx.json(Wire.settled(settlements.release(ctx.pathParam("reservationId"))));
  }

  /**
   * The request a decision body makes. A body refused for one problem is read again for the rest, so
   * one 400 lists them all; a valid body, the common case, is read once and pays nothing for that.
   */
  private static QuotaRequest request(Context ctx, Set<String> allowed, String costField) {
    return request(ctx, allowed, costField, UnaryOperator.identity());
  }

  /**
   * {@link #request} for a route whose engine also applies {@code routeRule}: the engine checks it
   * on a valid body, and a refused body lists its problem beside the others.
   */
  private static QuotaRequest request(Context ctx, Set<String> allowed, String costField, UnaryOperator<QuotaRequest> routeRule) {
    byte[] body = JsonBody.bytes(ctx);
    try {
      DecisionBody b = DecisionBody.read(body, allowed, costField);
      return request(b, costField);
    } catch (ValidationException | ApiError first) {
      throw DecisionProblems.all(body, allowed, costField, routeRule, first);
    }
  }

  private static QuotaRequest request(DecisionBody b, String costField) {
    try {
      return new QuotaRequest(b.subjects(), b.cost(), b.meters(), b.idempotencyKey(), b.ttl());
    } catch (ValidationException e) {
      if ("estimatedCost".equals(e.field()) && !"estimatedCost".equals(costField)) {
        throw new ValidationException(costField, e.rule());
      }
      throw e;
    }
  }

  /** The decision as a JSON body (and its content type), written without a node tree in between. */
  private static byte[] json(Context ctx, Decision d) {
    ctx.contentType(ContentType.APPLICATION_JSON);
    return DecisionWriter.bytes(d);
  }

  /** 429 as a problem document that names every limit that refused, the one that binds, and when to retry. */
  private static byte[] denied(Context ctx, Decision d) {
    StringJoiner names = new StringJoiner("; ");
    for (LimitStatus l : d.denying()) {
      names.add(l.selector() + " " + l.kind().wireName() + (l.meter() == null ? "" : " " + l.meter()) + " for " + l.subject());
    }
    ObjectNode body = Problems.problem(429, "quota-exceeded", "denied by " + names, null, null);
    body.put("instance", ctx.path());
    ObjectNode decision = Wire.decision(d);
    if (d.retryAt() != null) {
      body.put("retryAt", d.retryAt().toString());
    }
    body.set("denying", decision.get("denying"));
    body.set("limits", decision.get("limits"));
    if (decision.has("binding")) {
      body.set("binding", decision.get("binding"));
    }
    ctx.status(429).contentType(Problems.CONTENT_TYPE);
    return Problems.bytes(body);
  }
}
