package dev.quota.admin;

import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.ValidationException;
import java.time.Duration;
import java.time.Instant;

/**
 * A temporary replacement for the policy bound to {@code selector}: either other limits
 * ({@code replacement}) or a bypass until {@code expiresAt}. A bypass lifts enforcement, not
 * counting: the limits that would apply without it apply in shadow mode ({@link dev.quota.Mode#SHADOW}),
 * so what is spent under it still counts against the budgets once it ends.
 *
 * <p>The record checks what makes an override well formed wherever it comes from, a stored row
 * included. What an admin may newly create (a printable reason, an expiry within
 * {@link #MAX_LIFETIME} of now) is checked by {@code QuotaAdmin} before anything is saved, so a
 * row stored under older rules still loads and can still be listed and revoked.
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

  /**
   * The longest an override may be created for: about ten years. An override is a temporary
   * exception; one meant to last longer is a policy.
   */
  public static final Duration MAX_LIFETIME = Duration.ofDays(3650);

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
    ValidationException.require(
        reason.codePointCount(0, reason.length()) <= AuditText.MAX_REASON_LENGTH,
        "reason", "must be at most " + AuditText.MAX_REASON_LENGTH + " characters");
    ValidationException.require(actor != null && !actor.isBlank(), "actor", "is required");
    ValidationException.require(
        createdAt == null || expiresAt.isAfter(createdAt), "expiresAt", "must be in the future");
  }

  /** Whether it is in force at {@code storeNow}: its expiry is read in the store's time, as windows are. */
  public boolean isActive(Instant storeNow) {
    return storeNow.isBefore(expiresAt);
  }
}
