package dev.quota.admin;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Every action the audit trail records, by the name an {@link AuditEntry} carries: the engine's
 * changes to policies, overrides and counters, and the server's changes to API keys and its
 * redeliveries of alerts, which it writes into the same trail. The one list of them, so a filter can refuse an action no entry has.
 */
public enum AuditAction {
  POLICY_CREATE,
  POLICY_UPDATE,
  POLICY_DELETE,
  OVERRIDE_CREATE,
  OVERRIDE_REVOKE,
  SUBJECT_RESET,
  KEY_ISSUE,
  KEY_REVOKE,
  ALERT_REDELIVER;

  private static final List<String> WIRE_NAMES = Arrays.stream(values()).map(AuditAction::wireName).toList();

  /** The name entries carry: {@code policy.create}, {@code key.revoke}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '.');
  }

  /** The names of every action, in declaration order. */
  public static List<String> wireNames() {
    return WIRE_NAMES;
  }
}
