package dev.quota;

import dev.quota.internal.FieldPath;
import dev.quota.internal.Names;
import dev.quota.internal.SortedArrayMap;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One call a platform wants to make: the subjects it is attributed to (scope to identifier), its
 * estimated cost, the meters it consumes ({@code requests} is 1 unless given) and, optionally, an
 * idempotency key and a reservation time-to-live. Validated on construction.
 */
public record QuotaRequest(
    Map<String, String> subjects,
    Money estimatedCost,
    Map<String, Long> meters,
    String idempotencyKey,
    Duration ttl) {

  public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
  public static final Duration MAX_TTL = Duration.ofHours(24);
  public static final int MAX_SUBJECTS = 16;
  public static final int MAX_METERS = 16;

  public QuotaRequest {
    ValidationException.require(
        subjects != null && !subjects.isEmpty(), "subjects", "must name at least one subject");
    ValidationException.require(
        subjects.size() <= MAX_SUBJECTS, "subjects", "must name at most 16 subjects");
    boolean stored = subjects instanceof StoredSubjects;
    TreeMap<String, String> s = new TreeMap<>();
    for (Map.Entry<String, String> e : subjects.entrySet()) {
      // Each field is named by its key (subjects.User), built only when it is wrong: this runs
      // on every decision.
      String scope = e.getKey();
      if (scope == null || !Names.isName(scope)) {
        throw new ValidationException(FieldPath.child("subjects", scope), Subject.SCOPE_RULE);
      }
      String idRule = Subject.subjectIdRule(e.getValue(), stored);
      if (idRule != null) {
        throw new ValidationException(FieldPath.child("subjects", scope), idRule);
      }
      s.put(scope, e.getValue());
    }
    // Hashed on every decision (the recent-plan cache is keyed by content): a map that keeps its hash.
    subjects = SortedArrayMap.of(s);
    estimatedCost = estimatedCost == null ? Money.ZERO : estimatedCost;
    ValidationException.require(estimatedCost.nanos() >= 0, "estimatedCost", "must not be negative");
    TreeMap<String, Long> m = new TreeMap<>();
    if (meters != null) {
      validateMeters(meters);
      m.putAll(meters);
    }
    m.putIfAbsent(RateLimit.REQUESTS, 1L);
    meters = SortedArrayMap.of(m);
    if (idempotencyKey != null) {
      Subject.validateId("idempotencyKey", idempotencyKey);
    }
    ttl = ttl == null ? DEFAULT_TTL : ttl;
    ValidationException.require(
        ttl.compareTo(Duration.ofSeconds(1)) >= 0 && ttl.compareTo(MAX_TTL) <= 0,
        "ttl",
        "must be between 1 second and 24 hours");
  }

  /**
   * The rules for meters, wherever they are given (a request, a commit's actual meters): at most
   * {@link #MAX_METERS}, each named as a scope is and counted in whole units up to 2^53-1.
   */
  static void validateMeters(Map<String, Long> meters) {
    ValidationException.require(meters.size() <= MAX_METERS, "meters", "must name at most " + MAX_METERS + " meters");
    for (Map.Entry<String, Long> e : meters.entrySet()) {
      if (e.getKey() == null || !Names.isName(e.getKey())) {
        throw new ValidationException(FieldPath.child("meters", e.getKey()), "the meter name " + Names.RULE);
      }
      Long v = e.getValue();
      ValidationException.require(
          v != null && v >= 0 && v <= Money.MAX_NANOS, FieldPath.child("meters", e.getKey()), "must be a whole number between 0 and 2^53-1");
    }
  }

  /**
   * This request, if it asks for at least one request: a call that goes ahead, reserved or
   * prepared, is one. With {@code requests} at 0 a reservation would pass every request limit
   * however used up, so only a check (which reads the limits, consuming nothing) and a recorded
   * usage (tokens reported for a call already counted, say) may name 0.
   *
   * @throws ValidationException naming {@code meters.requests} if it asks for none
   */
  public QuotaRequest requireOneCall() {
    ValidationException.require(
        meter(RateLimit.REQUESTS) >= 1, FieldPath.child("meters", RateLimit.REQUESTS),
        "must be at least 1 to reserve a call, which is one request (0 is for checks and recorded usage only)");
    return this;
  }

  /**
   * The actual meters of a commit, if they name a call made: a committed call was made, which is
   * one request, and giving its request back would let every call made this way pass the limit.
   * Meters that leave {@code requests} out keep the one reserved.
   *
   * @throws ValidationException naming {@code meters.requests} if it is given as 0
   */
  public static void requireCommittedCall(Map<String, Long> actualMeters) {
    Long requests = actualMeters.get(RateLimit.REQUESTS);
    ValidationException.require(
        requests == null || requests >= 1, FieldPath.child("meters", RateLimit.REQUESTS),
        "must be at least 1: a committed call was made, which is one request");
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The request behind charges a store already holds (a ledger row still owed to the counter
   * store, a reservation being settled), made again to find their counters and policies. Its
   * subjects follow only the rules of {@link Subject#validateStoredId}: one stored before
   * whitespace at an identifier's ends was refused still charges the budgets it was taken for,
   * its team's among them.
   */
  static QuotaRequest rebuilt(Map<String, String> subjects, Money cost, Map<String, Long> meters) {
    return new QuotaRequest(new StoredSubjects(subjects), cost, meters, null, null);
  }

  /**
   * The subjects of a {@linkplain #rebuilt rebuilt} request. Every constructor of a record runs its
   * canonical one, so the subjects themselves say where they come from; only this class makes them.
   */
  private static final class StoredSubjects extends AbstractMap<String, String> {
    private final Map<String, String> subjects;

    StoredSubjects(Map<String, String> subjects) {
      this.subjects = subjects;
    }

    @Override
    public Set<Map.Entry<String, String>> entrySet() {
      return subjects.entrySet();
    }
  }

  /** The amount of {@code meter} this request consumes, 0 if it reports none. */
  public long meter(String meter) {
    Long v = meters.get(meter);
    return v == null ? 0 : v;
  }

  /**
   * A canonical rendering of everything that defines the request, used to tell an idempotent
   * repeat from a conflicting reuse of the same key.
   */
  public String fingerprint() {
    return subjects + "|" + estimatedCost.nanos() + "|" + meters + "|" + ttl.toMillis();
  }

  /** Fluent construction. */
  public static final class Builder {
    private final Map<String, String> subjects = new TreeMap<>();
    private final Map<String, Long> meters = new TreeMap<>();
    private Money estimatedCost;
    private String idempotencyKey;
    private Duration ttl;

    public Builder subject(String scope, String id) {
      // Checked here: the sorted map refuses a null key with a bare NullPointerException.
      ValidationException.require(scope != null, "subjects", "must not name a null scope");
      subjects.put(scope, id);
      return this;
    }

    public Builder user(String id) {
      return subject(Subject.USER, id);
    }

    public Builder team(String id) {
      return subject(Subject.TEAM, id);
    }

    public Builder project(String id) {
      return subject(Subject.PROJECT, id);
    }

    public Builder tool(String id) {
      return subject(Subject.TOOL, id);
    }

    public Builder provider(String id) {
      return subject(Subject.PROVIDER, id);
    }

    public Builder estimatedCost(Money cost) {
      this.estimatedCost = cost;
      return this;
    }

    public Builder estimatedCost(String cost) {
      return estimatedCost(Money.parse("estimatedCost", cost));
    }

    public Builder meter(String name, long amount) {
      ValidationException.require(name != null, "meters", "must not name a null meter");
      meters.put(name, amount);
      return this;
    }

    public Builder idempotencyKey(String key) {
      this.idempotencyKey = key;
      return this;
    }

    public Builder ttl(Duration ttl) {
      this.ttl = ttl;
      return this;
    }

    public QuotaRequest build() {
      return new QuotaRequest(subjects, estimatedCost, meters, idempotencyKey, ttl);
    }
  }
}
