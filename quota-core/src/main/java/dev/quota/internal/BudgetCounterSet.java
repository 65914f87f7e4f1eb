package dev.quota.internal;

import dev.quota.Budget;
import dev.quota.Policy;
import dev.quota.admin.Override;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * What names the budget counters of a set of policies and overrides: for each one with a daily or
 * monthly budget, its owner (the policy's selector, or the override's id and selector), currency,
 * which periods it limits and its calendar. Two configurations with equal sets count budgets in the
 * same counters; one with another set may count a period in progress under a counter nothing was
 * charged to yet.
 *
 * <p>The {@link #fingerprint} names the set where it is kept beyond the process (the configuration
 * repository), so that a restart finding the same set knows the engines have counted in these very
 * counters since before it started.
 */
public final class BudgetCounterSet {
  /** One policy's or override's budget counters. */
  private record Counters(
      String owner, String currency, boolean daily, boolean monthly, ZoneId zone, LocalTime resetTime, int resetDay) {

    /** Each field with its length before it, so no value can run into the next whatever it holds. */
    String canonical() {
      StringBuilder out = new StringBuilder();
      for (String field :
          List.of(owner, currency, Boolean.toString(daily), Boolean.toString(monthly), zone.getId(),
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
          owner, b.currency(), b.daily() != null, b.monthly() != null, b.zone(), b.resetTime(), b.resetDay()));
    }
  }

  /**
   * A SHA-256 (64 hex digits) of the set's canonical text: each member's fields, the members
   * sorted. Equal sets have equal fingerprints, in any order and in every process; a version that
   * names its counters otherwise would compute another one, which errs safe (taken for a change).
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
