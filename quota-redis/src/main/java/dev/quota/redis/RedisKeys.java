package dev.quota.redis;

import dev.quota.Algorithm;
import dev.quota.ValidationException;
import dev.quota.plan.CounterKey;
import dev.quota.plan.CounterOp;
import dev.quota.plan.RateOp;
import io.lettuce.core.cluster.SlotHash;

/**
 * The one place Redis keys are built. Every key starts with the configured prefix.
 *
 * <p>A counter's key is {@code prefix + "{" + subject + "}" + name}: the subject is the Redis Cluster
 * hash tag, so all counters of one subject share a slot, and a reset deletes them in one script: the
 * subject's key for each name the script registered beside the epoch marker ({@link #names()}).
 * Subjects come from {@code CounterKeys}, which escapes braces out of identifiers, so a tag always
 * ends where the subject ends. Reservation ids and idempotency keys are caller input and are escaped
 * here the same way. Counter keys are the only ones with a brace right after the prefix, so no
 * counter can collide with a reservation, an idempotency record, the epoch marker, the names or a
 * reset mark.
 *
 * <p>On Redis Cluster, the bookkeeping that must share a slot with counters is tagged by slot
 * ({@code prefix#{tag}...}, see {@link SlotTags}); a reservation's id alone locates its home record
 * ({@link #reservation(String)}), which names the slots holding its parts.
 */
public final class RedisKeys {
  /** The layout of sliding-window hashes that quota.lua reads and writes (see there). */
  static final String WINDOW_LAYOUT = "2";

  private final String prefix;
  /** Named in every call: built once. */
  private final String epoch;
  private final String expiries;

  public RedisKeys(String prefix) {
    ValidationException.require(prefix != null, "prefix", "is required");
    // Without one the store's keys mix with every other key of the database, and deleteAll
    // would delete them all.
    ValidationException.require(!prefix.isEmpty(), "prefix", "must not be empty");
    ValidationException.require(
        prefix.indexOf('{') < 0 && prefix.indexOf('}') < 0, "prefix", "must not contain { or }");
    this.prefix = prefix;
    this.epoch = prefix + "epoch";
    this.expiries = prefix + "expiries";
  }

  public String prefix() {
    return prefix;
  }

  /** The key of a counter other than a sliding window (see {@link #counter(CounterOp)}). */
  public String counter(CounterKey key) {
    return prefix + "{" + subjectTag(key.subject()) + "}" + key.name();
  }

  private static String subjectTag(String subject) {
    ValidationException.require(
        subject.indexOf('{') < 0 && subject.indexOf('}') < 0,
        "key.subject",
        "must not contain { or } (build keys with CounterKeys)");
    return subject;
  }

  /**
   * The key of {@code op}'s counter. A sliding window's key also names the layout of its hash
   * ({@link #WINDOW_LAYOUT} before the counter name), so a store whose script keeps windows another
   * way never reads one: during an upgrade old and new processes each count in their own keys for
   * at most one window, and counters in the old layout expire by themselves.
   */
  public String counter(CounterOp op) {
    if (op instanceof RateOp r && r.limit().algorithm() == Algorithm.SLIDING_WINDOW) {
      String subject = subjectTag(op.key().subject());
      return prefix + "{" + subject + "}" + rateCounterName(op.key().name(), Algorithm.SLIDING_WINDOW);
    }
    return counter(op.key());
  }

  /**
   * What follows the subject's hash tag in the key of a rate counter named {@code name}: the
   * script builds a predecessor's key from its op's key and this, in the same slot.
   */
  static String rateCounterName(String name, Algorithm algorithm) {
    return algorithm == Algorithm.SLIDING_WINDOW ? WINDOW_LAYOUT + name : name;
  }

  /**
   * The reservations holding slots of the concurrency counter {@code key}, scored by expiry: the
   * counter's key and {@code /h}, which no counter name contains. The script builds it from the
   * counter's key; a reset deletes it with the counter.
   */
  public String slotHolders(CounterKey key) {
    return counter(key) + "/h";
  }

  /** When this store's data began: budget counters of periods that started earlier may need seeding. */
  public String epoch() {
    return epoch;
  }

  /**
   * The counter names in use (what follows the subject's hash tag in a counter's key), which the
   * script registers as it creates counters, so that a reset finds a subject's counters without
   * scanning. The script finds it beside the epoch marker: the same key with {@code names} for
   * {@code epoch}.
   */
  public String names() {
    return prefix + "names";
  }

  /** Sorted set of active reservation records, scored by expiry. */
  public String expiries() {
    return expiries;
  }

  public String reservation(String reservationId) {
    return prefix + "res:" + escape(reservationId);
  }

  public String idempotency(String idempotencyKey) {
    return prefix + "idem:" + escape(idempotencyKey);
  }

  /** The Redis Cluster slot of {@code key}. */
  public static int slot(String key) {
    return SlotHash.getSlot(key);
  }

  /**
   * When {@code subject} was last reset, in the slot of its counters (the same hash tag) so that a
   * settlement can read it beside them. Not a counter key (no brace right after the prefix), so the
   * reset that writes it does not delete it.
   */
  public String resetMark(String subject) {
    return prefix + "reset:{" + subjectTag(subject) + "}";
  }

  /** On Redis Cluster, the epoch marker of one slot: a node that lost its data starts a new epoch. */
  public String epoch(int slot) {
    return prefix + "#{" + SlotTags.of(slot) + "}epoch";
  }

  /** On Redis Cluster, the counter names in use in one slot (see {@link #names()}). */
  public String names(int slot) {
    return prefix + "#{" + SlotTags.of(slot) + "}names";
  }

  /** On Redis Cluster, the expiry index of the reservation parts filed in one slot. */
  public String expiries(int slot) {
    return prefix + "#{" + SlotTags.of(slot) + "}expiries";
  }

  /** On Redis Cluster, the part of a reservation that holds counters of one slot. */
  public String reservation(int slot, String reservationId) {
    return prefix + "#{" + SlotTags.of(slot) + "}res:" + escape(reservationId);
  }

  /** A SCAN pattern matching every key under this prefix. */
  public String everything() {
    return glob(prefix) + "*";
  }

  private static String escape(String id) {
    if (id.indexOf('%') < 0 && id.indexOf('{') < 0 && id.indexOf('}') < 0) {
      return id; // the common case (generated ids): nothing to escape, nothing to copy
    }
    StringBuilder sb = new StringBuilder(id.length() + 8);
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      switch (c) {
        case '%', '{', '}' -> sb.append('%').append(Integer.toHexString(c).toUpperCase());
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  private static String glob(String literal) {
    StringBuilder sb = new StringBuilder(literal.length() + 8);
    for (int i = 0; i < literal.length(); i++) {
      char c = literal.charAt(i);
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.toString();
  }
}
