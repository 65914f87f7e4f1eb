package dev.quota.plan;

/**
 * The logical name of one counter: the subject (or subject pair) it belongs to and the counter's
 * name within that subject. Every store derives its physical key from this and nothing else, so
 * all keys of one subject can share a shard (a Redis hash tag) and be reset together.
 *
 * <p>Built only by {@link CounterKeys}, which escapes identifiers so no two subjects collide.
 */
public record CounterKey(String subject, String name) {
  // Written out: these run on every counter lookup of every decision.
  @Override
  public boolean equals(Object o) {
    return o == this || o instanceof CounterKey k && subject.equals(k.subject) && name.equals(k.name);
  }

  @Override
  public int hashCode() {
    return 31 * subject.hashCode() + name.hashCode();
  }

  @Override
  public String toString() {
    return subject + "|" + name;
  }
}
