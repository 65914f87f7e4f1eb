package dev.quota;

import java.util.ArrayList;
import java.util.List;

/**
 * Bad input: names the field and the rule it broke. Thrown before anything changes, so a caller that
 * catches it knows no counter, policy or ledger row was touched.
 *
 * <p>A reader that checks a whole document (a policy, a configuration file) may find several
 * problems at once and report them together ({@link #of}): {@link #field} and {@link #rule} then
 * name the first, and {@link #problems} lists every one, so a caller can fix them in one pass.
 */
public final class ValidationException extends QuotaException {
  private static final long serialVersionUID = 1L;
  private final String field;
  private final String rule;
  /** The problems found with this one, after it; empty for a single problem. */
  private final List<ValidationException> others;

  public ValidationException(String field, String rule) {
    this(field, rule, List.of());
  }

  private ValidationException(String field, String rule, List<ValidationException> others) {
    super(message(field, rule, others));
    this.field = field;
    this.rule = rule;
    this.others = others;
  }

  private static String message(String field, String rule, List<ValidationException> others) {
    StringBuilder m = new StringBuilder(field).append(": ").append(rule);
    for (ValidationException o : others) {
      m.append("; ").append(o.field).append(": ").append(o.rule);
    }
    return m.toString();
  }

  /**
   * One exception for every problem in {@code problems}, in order (each may itself hold several),
   * named by the first.
   *
   * @throws IllegalArgumentException if there are none
   */
  public static ValidationException of(List<ValidationException> problems) {
    List<ValidationException> all = new ArrayList<>();
    for (ValidationException p : problems) {
      all.addAll(p.problems());
    }
    if (all.isEmpty()) {
      throw new IllegalArgumentException("no problems to report");
    }
    if (all.size() == 1) {
      return all.get(0);
    }
    ValidationException first = all.get(0);
    return new ValidationException(first.field, first.rule, List.copyOf(all.subList(1, all.size())));
  }

  public String field() {
    return field;
  }

  public String rule() {
    return rule;
  }

  /** Every problem reported, this one's field and rule first, each as a single problem. */
  public List<ValidationException> problems() {
    if (others.isEmpty()) {
      return List.of(this);
    }
    List<ValidationException> all = new ArrayList<>(others.size() + 1);
    all.add(new ValidationException(field, rule));
    all.addAll(others);
    return List.copyOf(all);
  }

  /** Throws a {@code ValidationException} for {@code field} unless {@code condition} holds. */
  public static void require(boolean condition, String field, String rule) {
    if (!condition) {
      throw new ValidationException(field, rule);
    }
  }
}
