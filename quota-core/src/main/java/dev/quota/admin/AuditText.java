package dev.quota.admin;

import dev.quota.ValidationException;
import dev.quota.internal.Printable;

/**
 * The rules for the text an administrative action writes into the audit trail: who acted and why.
 * Lengths count characters (Unicode code points), as people count them and as the identifiers
 * of subjects are counted; both must be printable, so neither can carry a NUL, a terminal escape
 * or a line break into the trail, a log or the console. Checked before anything changes.
 */
public final class AuditText {
  public static final int MAX_REASON_LENGTH = 1000;
  public static final int MAX_ACTOR_LENGTH = 200;

  private AuditText() {}

  /** A reason is optional (null or empty); when given it is printable and at most 1000 characters. */
  public static void requireReason(String field, String reason) {
    if (reason != null) {
      requireBounded(field, reason, MAX_REASON_LENGTH);
    }
  }

  /** An actor (a person or an API key's name) is required: printable, not blank, at most 200 characters. */
  public static void requireActor(String field, String actor) {
    ValidationException.require(actor != null && !actor.isBlank(), field, "is required");
    requireBounded(field, actor, MAX_ACTOR_LENGTH);
  }

  private static void requireBounded(String field, String text, int maxLength) {
    ValidationException.require(
        text.codePointCount(0, text.length()) <= maxLength, field, "must be at most " + maxLength + " characters");
    ValidationException.require(Printable.isPrintable(text), field, "must contain only printable characters");
  }
}
