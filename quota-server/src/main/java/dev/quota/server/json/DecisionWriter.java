package dev.quota.server.json;

import dev.quota.Decision;
import dev.quota.LimitStatus;
import java.time.Instant;
import java.util.List;

/**
 * Writes a {@link Decision} in the wire format of {@link Wire#decision}, byte for byte, straight
 * into bytes: decisions are the hot path, and a node tree, or even a streaming generator set up
 * for each response, costs more than the decision itself on the in-memory store.
 */
public final class DecisionWriter {
  /** Room for a decision over a few limits without growing. */
  private static final int INITIAL_BYTES = 1024;

  private DecisionWriter() {}

  /** The decision as UTF-8 JSON text. */
  public static byte[] bytes(Decision d) {
    JsonBytes j = new JsonBytes(INITIAL_BYTES);
    j.startObject();
    j.field("admitted", d.admitted());
    if (d.reservationId() != null) {
      j.field("reservationId", d.reservationId());
      j.field("expiresAt", WireText.instant(d.expiresAt()));
    }
    if (d.retryAt() != null) {
      j.field("retryAt", WireText.instant(d.retryAt()));
    }
    if (d.failOpen()) {
      j.field("failOpen", true);
    }
    if (d.replayed()) {
      j.field("replayed", true);
    }
    j.field("limits");
    limits(d.limits(), j);
    LimitStatus binding = d.binding();
    if (binding != null) {
      j.field("binding");
      limit(binding, j);
    }
    if (!d.admitted()) {
      j.field("denying");
      limits(d.denying(), j);
    }
    return j.endObject().toByteArray();
  }

  private static void limits(List<LimitStatus> limits, JsonBytes j) {
    j.startArray();
    for (LimitStatus l : limits) {
      j.element();
      limit(l, j);
    }
    j.endArray();
  }

  private static void limit(LimitStatus l, JsonBytes j) {
    j.startObject();
    j.field("policy", l.selector().toString());
    j.field("subject", l.subject());
    j.field("kind", l.kind().wireName());
    if (l.meter() != null) {
      j.field("meter", l.meter());
    }
    if (l.window() != null) {
      j.field("window", WindowText.of(l.window()));
    }
    if (l.kind().isMoney()) {
      j.field("currency", l.currency());
      j.field("limit", WireText.money(l.limit()));
      j.field("used", WireText.money(l.used()));
      j.field("remaining", WireText.money(l.remaining()));
    } else {
      j.field("limit", l.limit());
      j.field("used", l.used());
      j.field("remaining", l.remaining());
    }
    instant("resetAt", l.resetAt(), j);
    instant("retryAt", l.retryAt(), j);
    j.field("allowed", l.allowed());
    j.field("mode", l.mode().wireName());
    j.endObject();
  }

  private static void instant(String name, Instant at, JsonBytes j) {
    if (at != null) {
      j.field(name, WireText.instant(at));
    }
  }
}
