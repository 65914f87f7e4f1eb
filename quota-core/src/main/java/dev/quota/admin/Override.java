package dev.quota.admin;

import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.ValidationException;
import java.time.Instant;

/**
 * A temporary replacement for the policy bound to {@code selector}: either other limits
 * ({@code replacement}) or a bypass (no limits at all) until {@code expiresAt}.
 */
public record Override(
    String id,
    Selector selector,
    Policy replacement,
    boolean bypass,
    Instant expiresAt,
    String reason,
    String actor,
    Instant createdAt) {

  public Override {
    ValidationException.require(id != null && !id.isBlank(), "id", "is required");
    ValidationException.require(selector != null, "selector", "is required");
    ValidationException.require(
        bypass != (replacement != null), "override", "must either bypass or carry replacement limits");
    ValidationException.require(
        replacement == null || replacement.selector().equals(selector),
        "override.limits",
        "must be bound to the override's selector");
    ValidationException.require(expiresAt != null, "expiresAt", "is required");
    ValidationException.require(reason != null && !reason.isBlank(), "reason", "is required");
    ValidationException.require(reason.length() <= 1000, "reason", "must be at most 1000 characters");
    ValidationException.require(actor != null && !actor.isBlank(), "actor", "is required");
    ValidationException.require(
        createdAt == null || expiresAt.isAfter(createdAt), "expiresAt", "must be in the future");
  }

  public boolean isActive(Instant now) {
    return now.isBefore(expiresAt);
  }
}
