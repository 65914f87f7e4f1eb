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

  /** What the audit trail records as the reason of an action that gave none. */
  public static final String NO_REASON = "";

  /**
   * A reason is optional: null when none is given. A reason given is not blank (a blank one says
   * nothing, yet would read in the trail as if something had been said), is printable and has at
   * most 1000 characters.
   */
  public static void requireReason(String field, String reason) {
    if (reason != null) {
      ValidationException.require(!reason.isBlank(), field, "must not be blank: give a reason, or leave it out to give none");
      requireBounded(field, reason, MAX_REASON_LENGTH);
    }
  }

  /**
   * Checks the reason of an action that must say why (an override lifts or changes limits for a
   * while): required and not blank, and otherwise as {@link #requireReason}.
   */
  public static void requireGivenReason(String field, String reason) {
    ValidationException.require(reason != null, field, "is required: an override must say why");
    ValidationException.require(!reason.isBlank(), field, "must not be blank: an override requires a reason");
    requireReason(field, reason);
  }

  /** The reason as the audit trail records it: {@link #NO_REASON} when none was given. */
  public static String recorded(String reason) {
    return reason == null ? NO_REASON : reason;
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
