package dev.quota.server.api;

import io.javalin.http.Context;

/**
 * The answer of a change that has nothing to say: 204, with no media type. Javalin labels every
 * answer {@code text/plain} until told otherwise, which would announce a body a 204 never has.
 */
final class NoContent {
  private NoContent() {}

  static void answer(Context ctx) {
    ctx.status(204);
    ctx.res().setContentType(null);
  }
}
