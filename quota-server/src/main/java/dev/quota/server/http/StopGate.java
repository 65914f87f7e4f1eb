package dev.quota.server.http;

import io.javalin.Javalin;

/**
 * Refuses every request that reaches the server once it has begun to stop, as {@code
 * shutting-down} with {@code Retry-After}; requests already past the gate (in flight) finish.
 *
 * <p>Jetty refuses such a request itself, but only once its graceful stop reaches the handlers,
 * and it closes the listening socket first: a request completed in between on a connection kept
 * open was served as usual, by a server whose engine was about to close. Shut before the stop
 * starts, this gate leaves no such moment.
 */
public final class StopGate {
  private volatile boolean shut;

  /** Registered before every other handler, so that a stopping server answers nothing else first. */
  public void install(Javalin app) {
    app.before(ctx -> {
      if (shut) {
        Problems.shuttingDown(ctx);
        ctx.skipRemainingHandlers();
      }
    });
  }

  /** From now on every request that was not let in already is refused. */
  public void shut() {
    shut = true;
  }
}
