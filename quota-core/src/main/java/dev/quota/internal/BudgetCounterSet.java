package dev.quota.internal;

import dev.quota.Budget;
import dev.quota.Policy;
import dev.quota.admin.Override;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneRules;
import java.time.zone.ZoneRulesException;
import java.time.zone.ZoneRulesProvider;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;

/**
 * What names the budget counters of a set of policies and overrides: for each one with a daily or
 * monthly budget, its owner (the policy's selector, or the override's id and selector), currency,
 * which periods it limits and its calendar, with the release of its zone's rules this process
 * reckons by. Two configurations with equal sets count budgets in the same counters; one with
 * another set may count a period in progress under a counter nothing was charged to yet. So may a
 * process on another release of the time zone database: one that revises a zone after the fact (a
 * country moving its clocks at short notice) moves the start of its periods in progress.
 *
 * <p>A policy or an override's limits without such a budget are members too, as their owner alone:
 * being the most specific, they take a budget away from the subjects they match while they last,
 * and when they go (a subject's own policy deleted, an expired override revoked) that budget comes
 * back to a counter which did not count the spend meanwhile. The set changing is how the engines
 * learn to catch such counters up ({@link PolicyIndex#seedBudgetsBefore}).
 *
 * <p>The {@link #fingerprint} names the set where it is kept beyond the process (the configuration
 * repository), so that a restart finding the same set knows the engines have counted in these very
 * counters since before it started.
 */
public final class BudgetCounterSet {
  /** One policy's or override's budget counters; with a null currency, one that keeps none. */
  private record Counters(
      String owner, String currency, boolean daily, boolean monthly, ZoneId zone, String zoneRules, LocalTime resetTime,
      int resetDay) {

    /** Each field with its length before it, so no value can run into the next whatever it holds. */
    String canonical() {
      StringBuilder out = new StringBuilder();
      if (currency == null) {
        return owner.length() + ":" + owner + ";";
      }
      for (String field :
          List.of(owner, currency, Boolean.toString(daily), Boolean.toString(monthly), zone.getId(), zoneRules,
              resetTime.toString(), Integer.toString(resetDay))) {
        out.append(field.length()).append(':').append(field).append(';');
      }
      return out.toString();
    }
  }

  private final Set<Counters> counters;

  private BudgetCounterSet(Set<Counters> counters) {
    this.counters = counters;
  }

  /** The budget counters {@code policies} and {@code overrides} (in force or not) name. */
  public static BudgetCounterSet of(List<Policy> policies, List<Override> overrides) {
    Set<Counters> out = new HashSet<>();
    for (Policy p : policies) {
      add(out, "policy " + p.selector(), p);
    }
    for (Override o : overrides) {
      if (o.replacement() != null) {
        add(out, "override " + o.id() + " " + o.selector(), o.replacement());
      }
    }
    return new BudgetCounterSet(Set.copyOf(out));
  }

  private static void add(Set<Counters> out, String owner, Policy p) {
    Budget b = p.budget();
    if (b != null && (b.daily() != null || b.monthly() != null)) {
      out.add(new Counters(
          owner, b.currency(), b.daily() != null, b.monthly() != null, b.zone(), rulesRelease(b.zone()), b.resetTime(),
          b.resetDay()));
    } else {
      out.add(new Counters(owner, null, false, false, null, null, null, 0));
    }
  }

  /**
   * The release of the rules this process reckons {@code zone} by (the time zone database's, such as
   * 2025b), empty for an offset, whose rules never change. A release that moved a period's start
   * names its counter otherwise, and the engines have counted in it only since they took it up.
   */
  private static String rulesRelease(ZoneId zone) {
    if (zone instanceof ZoneOffset) {
      return "";
    }
    try {
      NavigableMap<String, ZoneRules> releases = ZoneRulesProvider.getVersions(zone.getId());
      return releases.isEmpty() ? "" : releases.lastKey();
    } catch (ZoneRulesException offsetInItsName) {
      // UTC+01:00, GMT-05:30, UT: no provider has them, their fixed offset comes with the name.
      return "";
    }
  }

  /**
   * A SHA-256 (64 hex digits) of the set's canonical text: each member's fields, the members
   * sorted. Equal sets have equal fingerprints, in any order and in every process on the same
   * release of the time zone database. A version of Quota that names its counters otherwise (their
   * keys, or the periods a calendar reckons) must compute another one, by changing this text with
   * it, so that a restart on it is taken for a change and errs safe; with the same fingerprint it
   * would find every period in progress empty. A test pins the names and this text together.
   */
  public String fingerprint() {
    List<String> lines = new ArrayList<>(counters.size());
    for (Counters c : counters) {
      lines.add(c.canonical());
    }
    lines.sort(null);
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String line : lines) {
        sha.update(line.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  @java.lang.Override
  public boolean equals(Object o) {
    return o instanceof BudgetCounterSet other && counters.equals(other.counters);
  }

  @java.lang.Override
  public int hashCode() {
    return counters.hashCode();
  }
}
