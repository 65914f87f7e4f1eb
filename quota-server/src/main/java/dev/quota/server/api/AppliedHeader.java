package dev.quota.server.api;

import dev.quota.Change;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code Quota-Applied: pending} header of an admin change's success answer when the change is
 * stored, with its audit entry, but this server has not applied it yet: its reload after the write
 * failed. The server's periodic reload applies it, as every other server sharing the database
 * does, so the client must not send it again. A change applied at once carries no such header.
 */
final class AppliedHeader {
  static final String HEADER = "Quota-Applied";
  static final String PENDING = "pending";
  private static final Logger LOG = LoggerFactory.getLogger(AppliedHeader.class);

  private AppliedHeader() {}

  /** Marks the answer to {@code change} pending, and logs why, when this server has not applied it. */
  static void note(Context ctx, Change<?> change) {
    if (change.applied()) {
      return;
    }
    LOG.warn("{} {} is stored but not yet applied on this server; its next reload applies it: {}",
        ctx.method(), ctx.path(), change.reloadFailure().getMessage());
    ctx.header(HEADER, PENDING);
  }
}
