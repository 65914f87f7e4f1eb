package dev.quota.redis;

import io.lettuce.core.cluster.SlotHash;

/**
 * A short hash tag for each of Redis Cluster's 16,384 slots: {@code "{" + of(s) + "}"} in a key puts
 * the key in slot {@code s}. Bookkeeping that must sit beside a subject's counters (epoch marker,
 * expiry index, reservation parts) is tagged with its slot's tag, so it shares the counters' slot
 * without one copy per subject.
 */
final class SlotTags {
  private static final String[] TAGS = build();

  private SlotTags() {}

  static String of(int slot) {
    return TAGS[slot];
  }

  private static String[] build() {
    String[] tags = new String[SlotHash.SLOT_COUNT];
    int missing = tags.length;
    // Shortest-first search: every slot is hit within a few hundred thousand base-36 strings.
    for (long i = 0; missing > 0; i++) {
      String tag = Long.toString(i, 36);
      int slot = SlotHash.getSlot(tag);
      if (tags[slot] == null) {
        tags[slot] = tag;
        missing--;
      }
    }
    return tags;
  }
}
