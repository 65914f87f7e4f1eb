package dev.quota.server.api;

import dev.quota.ConflictException;
import dev.quota.NotFoundException;
import dev.quota.admin.AuditAction;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditText;
import dev.quota.jdbc.JdbcAlertHistory;
import dev.quota.jdbc.JdbcAlertHistory.DeliveryState;
import dev.quota.jdbc.JdbcAlertHistory.Redelivery;
import dev.quota.jdbc.JdbcAlertHistory.Refused;
import dev.quota.jdbc.JdbcAlertHistory.Started;
import dev.quota.jdbc.JdbcAlertHistory.WebhookDelivery;
import dev.quota.jdbc.json.AlertJson;
import dev.quota.server.alerts.WebhookSender;
import dev.quota.server.auth.Auth;
import dev.quota.server.http.BodyProblems;
import dev.quota.server.http.Fields;
import dev.quota.server.http.JsonBody;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.quota.server.auth.Role.ADMIN;

/**
 * Sends a settled alert again to the webhooks still configured that failed it: for a receiver that
 * was away longer than the retry schedule. Answered 202 with the alert as the alert history shows
 * it, pending; this server's webhook sender delivers it from there as any alert.
 */
public final class AlertRedeliveryRoutes {
  private final JdbcAlertHistory history;
  /** Null when no webhook is configured: then no alert has a failed webhook to resend to. */
  private final WebhookSender sender;
  private final Clock clock;

  public AlertRedeliveryRoutes(JdbcAlertHistory history, WebhookSender sender, Clock clock) {
    this.history = history;
    this.sender = sender;
    this.clock = clock;
  }

  public void register(RouteTable r) {
    r.post("/v1/alerts/{id}/redeliver", Reasons.QUERY, this::redeliver, ADMIN);
  }

  private void redeliver(Context ctx) {
    Preconditions.requireNone(ctx);
    BodyProblems problems = new BodyProblems();
    // Null only if refused, and then the problems below are thrown before it is used.
    String id = problems.read(() -> HistoryRoutes.alertId(ctx));
    Fields f = JsonBody.read(ctx, Set.of("reason"), true, problems);
    String reason = problems.read(() -> Reasons.of(ctx, f.string("reason", false, AuditText.MAX_REASON_LENGTH)));
    problems.throwIfAny();
    String actor = Auth.principal(ctx).name();
    Instant now = clock.instant();
    Redelivery done = history.redeliver(id, now, (before, failed) -> new AuditEntry(0, now, actor,
        AuditAction.ALERT_REDELIVER.wireName(), id, before.name().toLowerCase(Locale.ROOT) + " " + states(failed),
        "pending " + failed.stream().map(w -> w.webhook().url()).sorted().toList(), AuditText.recorded(reason)));
    if (done instanceof Refused refused) {
      throw refusal(id, refused.state());
    }
    Started started = (Started) done;
    if (sender != null) {
      sender.redeliver(started.claimed());
    }
    ctx.status(202).json(HistoryRoutes.withDelivery(AlertJson.toNode(started.claimed().alert()), started.delivery()));
  }

  /** The failed webhooks as they were: {@code [url failed after n attempts: error]}, so the audit keeps what the reopened rows lose. */
  private static String states(List<WebhookDelivery> failed) {
    return failed.stream()
        .map(w -> w.webhook().url() + " failed after " + w.attempts() + " attempts" + (w.lastError() == null ? "" : ": " + w.lastError()))
        .sorted()
        .collect(Collectors.joining("; ", "[", "]"));
  }

  private static RuntimeException refusal(String id, DeliveryState state) {
    if (state == null) {
      return new NotFoundException("no alert with id " + id);
    }
    String why = switch (state) {
      case PENDING -> "is still pending: its delivery is under way, nothing to redeliver";
      case DELIVERED -> "was delivered to every webhook: nothing to redeliver";
      case NONE -> "had no webhook to go to: nothing to redeliver";
      default -> "is " + state.name().toLowerCase(Locale.ROOT)
          + " only on webhooks no longer configured: nothing to redeliver";
    };
    return new ConflictException("id", "alert " + id + " " + why);
  }
}
