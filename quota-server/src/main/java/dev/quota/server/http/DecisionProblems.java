package dev.quota.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.Money;
import dev.quota.QuotaRequest;
import dev.quota.ValidationException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Every problem of a decision body already refused for one, so that one 400 names them all, as a
 * policy's are. A body that is read without a problem never comes here: a decision pays nothing
 * for this, and a refused body is read a second time, through the tree.
 *
 * <p>Each field is read by the same {@link Fields} getter, and its value checked by the same rules
 * of {@link QuotaRequest}, as on the way that stops at the first: each subject and meter alone,
 * beside a subject known to be valid, so each problem is worded as it would be on its own.
 */
public final class DecisionProblems {
  /** A subject every rule accepts, to check the other fields of a request by the request's own rules. */
  private static final Map<String, String> VALID_SUBJECT = Map.of("user", "u");

  private DecisionProblems() {}

  /**
   * Every problem of {@code body}, {@code first} among them, as one exception; {@code first} itself
   * when it is no problem of a field (the body is no JSON object) or the only one found.
   */
  public static RuntimeException all(byte[] body, Set<String> allowed, String costField, RuntimeException first) {
    return all(body, allowed, costField, UnaryOperator.identity(), first);
  }

  /**
   * {@link #all} for a route whose engine refuses more than a request's rules do: {@code
   * routeRule} is applied to a request of the body's meters once they are valid (a reservation
   * asks for a call, {@link QuotaRequest#requireOneCall}).
   */
  public static RuntimeException all(
      byte[] body, Set<String> allowed, String costField, UnaryOperator<QuotaRequest> routeRule, RuntimeException first) {
    if (!isFieldProblem(first)) {
      return first;
    }
    ObjectNode node;
    try {
      node = JsonBody.parse(body);
    } catch (RuntimeException unreadable) {
      return first;
    }
    BodyProblems problems = new BodyProblems();
    Fields f = new Fields(node, "", allowed, problems);
    // Field by field, each read and then checked, so the problems are listed in the body's order of fields.
    Map<String, String> subjects = problems.read(() -> f.stringMap("subjects", true, QuotaRequest.MAX_SUBJECTS));
    if (subjects != null && subjects.isEmpty()) {
      problems.check(() -> new QuotaRequest(subjects, null, null, null, null));
    } else if (subjects != null) {
      subjects.forEach((scope, id) -> problems.check(() -> new QuotaRequest(Map.of(scope, id), null, null, null, null)));
    }
    Money cost = problems.read(() -> f.money(costField, false));
    if (cost != null) {
      problems.check(() -> request(costField, cost));
    }
    Map<String, Long> meters = problems.read(() -> f.countMap("meters", QuotaRequest.MAX_METERS));
    if (meters != null) {
      boolean named = true;
      for (Map.Entry<String, Long> m : meters.entrySet()) {
        named &= problems.read(() -> meter(m.getKey(), m.getValue())) != null;
      }
      if (named) {
        problems.check(() -> routeRule.apply(new QuotaRequest(VALID_SUBJECT, null, meters, null, null)));
      }
    }
    String key = allowed.contains("idempotencyKey") ? problems.read(() -> f.string("idempotencyKey", false, 128)) : null;
    if (key != null) {
      problems.check(() -> new QuotaRequest(VALID_SUBJECT, null, null, key, null));
    }
    Duration ttl = allowed.contains("ttl") && f.has("ttl") ? problems.read(() -> f.duration("ttl")) : null;
    if (ttl != null) {
      problems.check(() -> new QuotaRequest(VALID_SUBJECT, null, null, null, ttl));
    }
    // A rule this reading does not know of leaves the first problem as it was found.
    return problems.any() ? problems.found() : first;
  }

  /** Refuses the meter {@code name} counting {@code n} as a request's rules would, wherever meters are given. */
  public static QuotaRequest meter(String name, long n) {
    return new QuotaRequest(VALID_SUBJECT, null, Map.of(name, n), null, null);
  }

  /** A request of {@code cost}, a problem with it named by {@code costField}, as the route names it. */
  private static void request(String costField, Money cost) {
    try {
      new QuotaRequest(VALID_SUBJECT, cost, null, null, null);
    } catch (ValidationException e) {
      throw "estimatedCost".equals(e.field()) ? new ValidationException(costField, e.rule()) : e;
    }
  }

  private static boolean isFieldProblem(RuntimeException e) {
    return e instanceof ValidationException
        || e instanceof ApiError a && a.status() == 400 && a.field() != null && !"body".equals(a.field());
  }
}
